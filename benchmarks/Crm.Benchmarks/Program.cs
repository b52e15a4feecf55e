using Crm.Benchmarks;

return args.FirstOrDefault() switch
{
    "pipeline" => await PipelineBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "outbox" => await OutboxBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "commits" => await CommitsBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "storage" => StorageShare.Run(Arguments.Parse(args[1..])),
    "gateway" => await GatewayBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "bare-yarp" => await GatewayBenchmark.RunBareProxyAsync(Arguments.Parse(args[1..])),
    "faults" => await FaultSuite.RunAsync(Arguments.Parse(args[1..])),
    "signals" => await SignalsBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "routing" => RoutingBenchmark.Run(Arguments.Parse(args[1..])),
    "import" => await ImportBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "sla-timers" => await SlaTimersBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "segments" => await SegmentsBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "journeys" => await JourneysBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "sends" => await SendsBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "consent-race" => await ConsentRaceBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "analytics-rebuild" => await AnalyticsRebuildBenchmark.RunAsync(Arguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        Crm.Benchmarks — see benchmarks/README.md
          pipeline [--seconds 20] [--connections 16] [--rate N] [--warmup 60] [--gateway URL] [--key KEY] [--amqp URI]
                   captures through the gateway of a running platform (./crm up) and follows every lead until it is
                   assigned, messaged and counted; --rate N runs open loop at N leads/s instead of as fast as it goes;
                   capture -> LeadScored from a queue of its own on the broker, CPU per lead per process
          outbox   [--events 50000] [--batch 500] [--commit-group 64]
                   outbox dispatch from a SQLite store to a private RabbitMQ node, beside a raw RabbitMQ.Client loop
          commits  [--writers 32] [--seconds 5] [--warmup 2] [--group 64] [--rounds 2]
                   the SQLite store alone: concurrent units of work (inbox record, insert, update, outbox event) with a
                   transaction each, beside the store's group commit; units/s, transactions, CPU per unit
          gateway  [--seconds 10] [--warmup 5] [--connections 16] [--rounds 3] [--load auto|wrk|dotnet] [--key KEY]
                   the same reads directly, through a bare YARP proxy and through the gateway, in turn for each round,
                   with each proxy's CPU per request and the medians (against ./crm up with a raised per-key limit;
                   the load from wrk when installed, else from this process)
          faults   [--scenario all|steady,kill-contacts,...] [--rate 30] [--seconds 60] [--outage 10] [--long-outage 60]
                   steady captures through the gateway while one fault after the other happens (kills, outages, the
                   broker restarted or killed, outbox records republished, replicas, poison; benchmarks/Crm.Faults);
                   counts lost, duplicated, refused and dead-lettered per scenario
          signals  [--seconds 20] [--connections 8] [--batch 500] [--per-lead 1] [--leads 2000] [--warmup 10] [--key KEY]
                   behavioural signals through the gateway with scoring on (POST /api/leads/signals), in batches and,
                   as the baseline of the same run, one per request (against ./crm up with a raised per-key limit);
                   CPU per 1,000 signals per process
          routing  [--leads 200000] [--warmup 50000] [--rounds 5] [--seed 7]
                   the routing engine alone (no platform): 200 reps and 10 rules, batches of 100 leads with a new Router
                   each, beside one plain round-robin rule; Gini of per-rep counts and weighted shares over 10,000 leads
          sla-timers [--timers 10000] [--spread-ms 60000] [--replicas 2] [--baseline 1] [--warmup 2000] [--batch 50] [--concurrency 4]
                   [--poll-ms 1000] [--lead 3] [--limit 120] [--goal 60]
                   Assignment's SLA timers on a SQLite file: --timers leads whose warning is due over --spread-ms, fired
                   by --replicas hosts (real TimerRunner + SlaTimer) started at T0, beside one replica; lateness, each once
          import   [--rows 1000000] [--duplicates 10] [--seed 7]
                   a generated CSV (10 % duplicate persons in other spellings) imported by a real Contacts process on
                   SQLite with a private RabbitMQ node: rows/s, the process's VmHWM at 100k rows and at the end, the outbox
                   drain, dedup precision / recall against the generator's truth
          journeys [--contacts 10000] [--wait 00:02:00] [--key KEY] [--amqp URI]
                   journeys against ./crm up (one or two Messaging replicas): every contact enters a journey at once; lateness of
                   each one's first message after it was due, missing ones and duplicates (see JourneysBenchmark)
          segments [--contacts 1000] [--rate 50] [--warmup 200] [--key KEY] [--amqp URI]
                   live segments against ./crm up: a few segments, then one change per contact at a steady rate (PATCH of
                   tags or lifecycle stage, consent granted, an order); change accepted -> SegmentMembershipChanged
                   delivered to a queue of this benchmark: p50/p95/p99/max
          sends    [--messages 5000] [--warmup 500] [--contacts 500] [--concurrency 32] [--provider-port 5199] [--goal 1000]
                   SMS through the send API of a running platform whose SMS channel points at this benchmark's loopback
                   Twilio-like provider (it prints the ./crm up line): messages rendered and handed over per second,
                   answer -> arrival latency, lost / twice; beside the same form posted straight to the provider
          consent-race [--races 10000] [--concurrency 64] [--spread-ms 100] [--provider-port 5199] [--key KEY]
                   sends against consent withdrawals (issue 12) against ./crm up whose Messaging hands SMS to this
                   benchmark's loopback provider: N contacts with SMS consent, each a send raced by a withdrawal 0..spread
                   ms later; counts SMS that reached the provider after their withdrawal committed (goal 0; exit 2)
          analytics-rebuild [--events 200000] [--batch 2000] [--seed 7]
                   Analytics' read models rebuilt from a generated event log in a fresh SQLite file (no platform): events/s,
                   beside reading the log alone; the read models' sizes and the peak working set (goal >= 10,000 events/s)
          storage  [--baseline 05afe82]
                   lines of storage code in the five services, now and at the baseline commit
        """);
    return 2;
}
