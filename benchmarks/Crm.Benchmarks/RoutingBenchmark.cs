using System.Diagnostics;
using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Assignment.Rules;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;

namespace Crm.Benchmarks;

/// <summary>
/// The routing engine alone (<see cref="Router"/>, no store, no broker), in-process: 200 reps (skills with levels, 4
/// teams, weights 1–3, half with working hours in three time zones that cover the instant routed at, capacity that
/// never binds) and 10 rules (every condition kind, all five strategies, two fairness caps that never bind, optional
/// skills) route <c>--leads</c> leads with varied facts, the way a routing pass of the service does: per batch of
/// <see cref="AssignmentEngine.MaxAllocationsPerUnit"/> leads the reps' routing view built from their documents
/// (<see cref="Rep.ToRouting"/>), a new <see cref="Router"/> over it, the rules and the stored state, then
/// <see cref="Router.States"/> for the next batch (loads carried over). Prints decisions per second with and without
/// the per-batch costs, beside the same run with one plain round-robin rule (the baseline);
/// and the fairness of round robin, least loaded and weighted over 10,000 leads (Gini of per-rep counts, shares of
/// weights 2:1:1).
/// </summary>
public static class RoutingBenchmark
{
    private const int RepCount = 200;
    private const int FairnessLeads = 10_000;
    private const int RoomyCapacity = 1_000_000;

    /// <summary>
    /// Monday 2026-01-05 13:30 UTC: 14:30 in Madrid, 08:30 in New York, 22:30 in Tokyo, inside every shift below for
    /// the whole run (each pass moves 50 ms per batch from here).
    /// </summary>
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 13, 30, 0, TimeSpan.Zero);

    private static readonly (string Zone, TimeOnly From, TimeOnly To)[] Zones =
    [
        ("Europe/Madrid", new(9, 0), new(18, 0)),
        ("America/New_York", new(8, 0), new(17, 0)),
        ("Asia/Tokyo", new(16, 0), new(0, 0)),
    ];

    private static readonly string[] Products = ["product:a", "product:b", "product:c", "product:d", "product:e"];

    public static int Run(Arguments args)
    {
        var count = args.Number("leads", 200_000);
        var warmup = args.Number("warmup", 50_000);
        var rounds = args.Number("rounds", 5);
        var random = new Random(args.Number("seed", 7));
        var reps = Reps(random);
        var rules = Rules();
        var units = new LeadUnits(Hot: 2, Warm: 1, Cold: 1);
        var leads = Leads(random, reps, Math.Max(count, warmup));
        AssignmentRule[] baselineRules = [new() { Id = "round-robin", Name = "Everyone, round robin", Strategy = RoutingStrategy.RoundRobin }];

        Console.WriteLine($"routing: {RepCount} reps ({reps.Count(r => r.WorkingHours is not null)} with working hours in {string.Join(", ", Zones.Select(z => z.Zone))}), " +
            $"{rules.Length} rules, {count:N0} leads in batches of {AssignmentEngine.MaxAllocationsPerUnit}, {Environment.ProcessorCount} cores");
        var loadBefore = LoadAverage();
        var warming = Stopwatch.StartNew();
        Pass(rules, units, reps, leads, warmup);
        Pass(baselineRules, units, reps, leads, warmup);
        Console.WriteLine($"warm-up: {warmup:N0} leads through each configuration in {warming.Elapsed.TotalSeconds:0.0} s (not measured)");

        Console.WriteLine("decisions/s per round: Route only / + new Router and States() per batch / + reps built per batch");
        var measured = new List<PassResult>();
        var baselines = new List<PassResult>();
        for (var round = 0; round < rounds; round++)
        {
            measured.Add(Pass(rules, units, reps, leads, count));
            baselines.Add(Pass(baselineRules, units, reps, leads, count));
            Console.WriteLine($"round {round + 1}: 10 rules {Rates(measured[^1])}; baseline {Rates(baselines[^1])}; ratio {measured[^1].ServiceRate / baselines[^1].ServiceRate:0.00}");
        }

        var rulesRun = Median(measured);
        var baselineRun = Median(baselines);
        Console.WriteLine();
        Console.WriteLine($"| median of {rounds} rounds, decisions/s | Route only | + new Router and States() per batch | + reps built from their documents per batch (as the service) | allocated per decision |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine($"| 10 rules, 200 reps | {rulesRun.EngineRate:N0} | {rulesRun.BatchRate:N0} | {rulesRun.ServiceRate:N0} | {rulesRun.BytesPerDecision:N0} B |");
        Console.WriteLine($"| baseline: 1 round-robin rule, 200 reps | {baselineRun.EngineRate:N0} | {baselineRun.BatchRate:N0} | {baselineRun.ServiceRate:N0} | {baselineRun.BytesPerDecision:N0} B |");
        // The ratio of each round (its two passes ran back to back, under the same load), median over the rounds.
        double Ratio(Func<PassResult, double> rate) =>
            measured.Zip(baselines, (m, b) => rate(m) / rate(b)).Order().ElementAt(rounds / 2);
        Console.WriteLine($"| ratio 10 rules / baseline (median of the rounds' ratios) | {Ratio(r => r.EngineRate):0.00} | {Ratio(r => r.BatchRate):0.00} | {Ratio(r => r.ServiceRate):0.00} | |");
        Console.WriteLine();
        Console.WriteLine($"per batch of {AssignmentEngine.MaxAllocationsPerUnit}, 10 rules: {Breakdown(rulesRun)}; baseline: {Breakdown(baselineRun)}");
        Console.WriteLine($"10 rules: {rulesRun.Assigned:N0} of {count:N0} leads assigned, {count - rulesRun.Assigned:N0} waiting; decisions by rule: " +
            string.Join(", ", rules.Select(r => $"{r.Id} ({RoutingRules.StrategyName(r.Strategy)}) {rulesRun.ByRule.GetValueOrDefault(r.Id):N0}")));
        var goal = rulesRun.ServiceRate >= 2_000;
        Console.WriteLine($"goal >= 2,000 assignments/s with 200 reps and 10 rules: {(goal ? "reached" : "NOT reached")} ({rulesRun.ServiceRate:N0} decisions/s with every per-batch cost)");

        Console.WriteLine();
        Fairness();
        Console.WriteLine($"machine load average (1 min), start / end: {loadBefore} / {LoadAverage()} on {Environment.ProcessorCount} cores");
        return goal ? 0 : 1;
    }

    /// <summary>
    /// Routes the first <paramref name="count"/> leads as the service would: per batch the reps' routing view built
    /// from their documents, a new Router over it, the rules and the last state, the batch routed, the state taken; the
    /// loads carried to the next batch outside the clock (the store's work).
    /// </summary>
    private static PassResult Pass(IReadOnlyList<AssignmentRule> rules, LeadUnits units, IReadOnlyList<Rep> documents, RoutingLead[] leads, int count)
    {
        var batch = AssignmentEngine.MaxAllocationsPerUnit;
        var reps = documents.ToArray();
        IReadOnlyDictionary<string, RuleState>? states = null;
        long build = 0, construct = 0, route = 0, persist = 0, allocated = 0;
        var assigned = 0;
        var byRule = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int first = 0, index = 0; first < count; first += batch, index++)
        {
            var now = Start.AddMilliseconds(50 * index);
            var t0 = Stopwatch.GetTimestamp();
            var view = new RoutingRep[reps.Length];
            for (var i = 0; i < reps.Length; i++)
            {
                view[i] = reps[i].ToRouting();
            }

            var t1 = Stopwatch.GetTimestamp();
            var router = new Router(rules, units, view, states);
            var t2 = Stopwatch.GetTimestamp();
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            var last = Math.Min(first + batch, count);
            var decisions = new RouteDecision[last - first];
            for (var k = first; k < last; k++)
            {
                decisions[k - first] = router.Route(leads[k], now);
            }

            var t3 = Stopwatch.GetTimestamp();
            allocated += GC.GetAllocatedBytesForCurrentThread() - bytes;
            states = router.States();
            var t4 = Stopwatch.GetTimestamp();
            build += t1 - t0;
            construct += t2 - t1;
            route += t3 - t2;
            persist += t4 - t3;

            foreach (var decision in decisions)
            {
                assigned += decision.RepId is null ? 0 : 1;
                byRule[decision.Explanation.RuleId] = byRule.GetValueOrDefault(decision.Explanation.RuleId) + 1;
            }

            for (var i = 0; i < reps.Length; i++)
            {
                reps[i] = reps[i] with { OpenLeads = router.LoadOf(reps[i].Id) };
            }
        }

        double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
        var batches = (count + batch - 1) / batch;
        double MicrosPerBatch(long ticks) => Seconds(ticks) * 1e6 / batches;
        return new PassResult(
            count / Seconds(route),
            count / Seconds(construct + route + persist),
            count / Seconds(build + construct + route + persist),
            (double)allocated / count,
            assigned,
            byRule,
            (MicrosPerBatch(build), MicrosPerBatch(construct), MicrosPerBatch(route), MicrosPerBatch(persist)));
    }

    /// <summary>Gini of per-rep counts for three strategies over equal weights, and the shares of weights 2:1:1 (batches of 100, state carried).</summary>
    private static void Fairness()
    {
        var equal = Enumerable.Range(0, RepCount).Select(i => Document($"rep-{i:000}", 0)).ToList();
        var ginis = new[] { RoutingStrategy.RoundRobin, RoutingStrategy.LeastLoaded, RoutingStrategy.Weighted }
            .Select(s =>
            {
                var counts = Counts([new AssignmentRule { Id = "fair", Name = "fair", Strategy = s }], equal, FairnessLeads);
                return $"{RoutingRules.StrategyName(s)} {Gini([.. equal.Select(r => counts.GetValueOrDefault(r.Id))]):0.0000}";
            });
        Console.WriteLine($"fairness, {RepCount} reps with equal weights, {FairnessLeads:N0} leads: Gini of per-rep counts: {string.Join(", ", ginis)} (goal <= 0.02)");

        List<Rep> weighted = [Document("rep-a", 0) with { Weight = 2 }, Document("rep-b", 0), Document("rep-c", 0)];
        var shares = Counts([new AssignmentRule { Id = "weighted", Name = "weighted", Strategy = RoutingStrategy.Weighted }], weighted, FairnessLeads);
        var lines = weighted.Select(r =>
        {
            var share = (double)shares.GetValueOrDefault(r.Id) / FairnessLeads;
            var target = r.Weight / 4.0;
            return $"{r.Id} (weight {r.Weight}) {shares.GetValueOrDefault(r.Id):N0} = {share:P2}, deviation {100 * ((share / target) - 1):+0.00;-0.00;0.00} %";
        });
        Console.WriteLine($"weights 2:1:1, {FairnessLeads:N0} leads: {string.Join("; ", lines)} (goal within 2 %)");
    }

    private static Dictionary<string, int> Counts(IReadOnlyList<AssignmentRule> rules, IReadOnlyList<Rep> documents, int count)
    {
        var reps = documents.ToArray();
        IReadOnlyDictionary<string, RuleState>? states = null;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var lead = new RoutingLead("lead", Grade.Warm, 50, Start);
        for (var first = 0; first < count; first += AssignmentEngine.MaxAllocationsPerUnit)
        {
            var router = new Router(rules, new LeadUnits(), reps.Select(r => r.ToRouting()), states);
            for (var k = first; k < Math.Min(first + AssignmentEngine.MaxAllocationsPerUnit, count); k++)
            {
                if (router.Route(lead, Start).RepId is { } rep)
                {
                    counts[rep] = counts.GetValueOrDefault(rep) + 1;
                }
            }

            states = router.States();
            reps = [.. reps.Select(r => r with { OpenLeads = router.LoadOf(r.Id) })];
        }

        return counts;
    }

    /// <summary>Gini coefficient of non-negative counts: 0 when all are equal.</summary>
    private static double Gini(IReadOnlyList<int> counts)
    {
        var sorted = counts.Order().ToArray();
        double total = sorted.Sum();
        double ranked = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            ranked += (i + 1) * (double)sorted[i];
        }

        return total == 0 ? 0 : (2 * ranked / (sorted.Length * total)) - ((sorted.Length + 1.0) / sorted.Length);
    }

    private static Rep Document(string id, int openLeads) => new()
    {
        Id = id,
        Name = id,
        Capacity = RoomyCapacity,
        Active = true,
        OpenLeads = openLeads,
        CreatedAt = Start,
    };

    /// <summary>200 reps: 4 teams, weights 1–3, languages and products with levels 1–5, a few away, offline or inactive, every second one with working hours.</summary>
    private static List<Rep> Reps(Random random) =>
    [
        .. Enumerable.Range(0, RepCount).Select(i =>
        {
            var skills = new Dictionary<string, int>(StringComparer.Ordinal);
            if (i % 3 != 2)
            {
                skills["lang:es"] = random.Next(1, 6);
            }

            if (i % 3 != 0 || i % 2 == 1)
            {
                skills["lang:en"] = random.Next(1, 6);
            }

            foreach (var product in Products.OrderBy(_ => random.Next()).Take(random.Next(1, 4)))
            {
                skills[product] = random.Next(1, 6);
            }

            var zone = Zones[i / 2 % Zones.Length];
            return Document($"rep-{i:000}", random.Next(0, 30)) with
            {
                TeamId = $"team-{i % 4}",
                Weight = 1 + (i % 3),
                Skills = skills,
                Active = i % 50 != 3,
                Presence = (i % 20) switch { 7 => Presence.Away, 13 => Presence.Offline, _ => Presence.Available },
                WorkingHours = i % 2 == 1
                    ? new WorkingHours(zone.Zone, [.. Enumerable.Range(1, 5).Select(d => new WorkingShift((DayOfWeek)d, zone.From, zone.To))], [])
                    : null,
            };
        }),
    ];

    /// <summary>10 rules, first match wins: every condition kind, all five strategies, two caps that never bind, optional skills, a catch-all last.</summary>
    private static AssignmentRule[] Rules() =>
    [
        new()
        {
            Id = "hot-es-returning", Name = "Hot Spanish returning customers stay with their rep", Strategy = RoutingStrategy.Sticky,
            When = new() { Grades = [Grade.Hot], Languages = ["es"], ReturningCustomer = true },
            Pool = new() { RequiredSkills = [new("lang:es", 3)] },
        },
        new()
        {
            Id = "whatsapp-es", Name = "WhatsApp in Spanish to team 0, by weight", Strategy = RoutingStrategy.Weighted,
            When = new() { Channels = ["whatsapp"], Languages = ["es"] },
            Pool = new() { TeamId = "team-0", RequiredSkills = [new("lang:es", 2)] },
            FairnessCap = new(RoomyCapacity, TimeSpan.FromHours(1)),
        },
        new()
        {
            Id = "campaigns", Name = "Spring and summer campaigns to team 1", Strategy = RoutingStrategy.RoundRobin,
            When = new() { Campaigns = ["spring-26", "summer-26"] },
            Pool = new() { TeamId = "team-1" },
        },
        new()
        {
            Id = "solar", Name = "Solar interest: product a, product b preferred", Strategy = RoutingStrategy.LeastLoaded,
            When = new() { Interests = ["solar"] },
            Pool = new() { RequiredSkills = [new("product:a", 2)], OptionalSkills = [new("product:b", 1)], DropOptionalAfter = TimeSpan.FromMinutes(10) },
        },
        new()
        {
            Id = "high-score", Name = "Score 80+ to the most available English speakers", Strategy = RoutingStrategy.MostAvailable,
            When = new() { ScoreMin = 80 },
            Pool = new() { RequiredSkills = [new("lang:en", 3)] },
        },
        new()
        {
            Id = "madrid-catalonia", Name = "Web and fair leads of Madrid and Catalonia to team 2, by weight", Strategy = RoutingStrategy.Weighted,
            When = new() { Regions = ["ES-MD", "ES-CT"], Sources = ["web", "fair"] },
            Pool = new() { TeamId = "team-2" },
            FairnessCap = new(RoomyCapacity, TimeSpan.FromDays(1)),
        },
        new()
        {
            Id = "english-web", Name = "English web leads, least loaded", Strategy = RoutingStrategy.LeastLoaded,
            When = new() { Languages = ["en"], Sources = ["web"] },
            Pool = new() { RequiredSkills = [new("lang:en", 1)] },
        },
        new()
        {
            Id = "returning", Name = "Returning customers stay with their rep", Strategy = RoutingStrategy.Sticky,
            When = new() { ReturningCustomer = true },
        },
        new()
        {
            Id = "cold-low", Name = "Cold low scores to team 3", Strategy = RoutingStrategy.RoundRobin,
            When = new() { Grades = [Grade.Cold], ScoreMax = 30 },
            Pool = new() { TeamId = "team-3" },
        },
        new() { Id = "everyone", Name = "Everyone else, by weight", Strategy = RoutingStrategy.Weighted },
    ];

    private static RoutingLead[] Leads(Random random, List<Rep> reps, int count)
    {
        string[] sources = ["web", "fair", "referral", "ads", "phone"];
        string[] channels = ["web", "email", "whatsapp", "phone"];
        string?[] campaigns = ["spring-26", "summer-26", "autumn-26", null, null, null];
        string?[] interests = ["solar", "battery", "heat-pump", "ev", null];
        string[] regions = ["ES-MD", "ES-CT", "ES-AN", "US-NY", "JP-13"];
        string[] languages = ["es", "ES", "en", "ja"];
        T Pick<T>(T[] values) => values[random.Next(values.Length)];
        return
        [
            .. Enumerable.Range(0, count).Select(i =>
            {
                var returning = random.Next(5) == 0;
                return new RoutingLead($"lead-{i:000000}", (Grade)random.Next(3), random.Next(0, 101), Start.AddMinutes(-random.Next(0, 20)))
                {
                    Source = Pick(sources),
                    Channel = Pick(channels),
                    Campaign = Pick(campaigns),
                    Interest = Pick(interests),
                    Region = Pick(regions),
                    Language = Pick(languages),
                    ReturningCustomer = returning,
                    PreviousOwnerId = returning ? reps[random.Next(reps.Count)].Id : null,
                };
            }),
        ];
    }

    private static string Rates(PassResult r) =>
        $"{r.EngineRate:N0} / {r.BatchRate:N0} / {r.ServiceRate:N0}";

    private static PassResult Median(List<PassResult> results) => results.OrderBy(r => r.ServiceRate).ElementAt(results.Count / 2);

    private static string Breakdown(PassResult r) =>
        $"reps built {r.Micros.Build:N0} µs, new Router {r.Micros.Construct:N0} µs, Route x{AssignmentEngine.MaxAllocationsPerUnit} {r.Micros.Route:N0} µs, States() {r.Micros.States:N0} µs";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private sealed record PassResult(
        double EngineRate,
        double BatchRate,
        double ServiceRate,
        double BytesPerDecision,
        int Assigned,
        Dictionary<string, int> ByRule,
        (double Build, double Construct, double Route, double States) Micros);
}
