using System.Diagnostics;
using Crm.Faults;
using Xunit;
using Xunit.Abstractions;

namespace Crm.FaultTests;

/// <summary>
/// The fault suite's reduced run (the scenarios and checker of <c>./crm bench faults</c>, benchmarks/Crm.Faults):
/// per scenario 500 captures through the gateway (50/s for 10 s) while the fault happens 2 s in; outages shortened
/// to 5 s (<c>kill-*</c>) and 8 s (<c>contacts-down</c>, <c>rabbitmq-kill</c>) instead of the benchmark's 10 s and
/// 60 s, and a refused capture retried after 1, 2, 2 … s instead of 1, 2, 4, 8, 10 s. Every acknowledged capture
/// must be assigned once, welcomed once and counted once, nothing may be left dead-lettered, and every capture must be
/// acknowledged in the end (retried by the client with its Idempotency-Key). The same welcome delivered again (same
/// Message-Id) is allowed only when Messaging itself is killed (see <see cref="FaultResult"/>).
/// </summary>
public sealed class FaultSuiteTests(FaultPlatform platform, ITestOutputHelper output) : IClassFixture<FaultPlatform>
{
    public static readonly FaultSettings Reduced = new()
    {
        Rate = 50,
        Seconds = 10,
        FaultAt = 2,
        Outage = 5,
        LongOutage = 8,
        RecoveryLimit = TimeSpan.FromSeconds(90),
        Settle = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromSeconds(2),
    };

    /// <summary>Every scenario but <c>steady</c>, which <c>poison</c> runs (and asserts) as its baseline.</summary>
    public static TheoryData<string> Scenarios => [.. FaultScenarios.All.Where(s => s != "steady")];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Nothing_is_lost_or_duplicated(string scenario)
    {
        using var http = FaultScenarios.CreateClient(platform);
        var clock = Stopwatch.StartNew();
        FaultResult result;
        try
        {
            result = await FaultScenarios.RunAsync(platform, http, scenario, Reduced);
        }
        catch
        {
            output.WriteLine(platform.Diagnostics());
            throw;
        }

        output.WriteLine(FaultScenarios.TableHeader);
        output.WriteLine(result.Row());
        output.WriteLine($"[timeline] {scenario}: {result.Timeline}");
        output.WriteLine($"[timing] fault suite {scenario}: {clock.Elapsed.TotalSeconds:0.0} s");
        if (!result.Clean)
        {
            output.WriteLine("queues:\n" + await platform.RabbitMqCtlAsync("-q", "list_queues", "name", "messages"));
            output.WriteLine(platform.Diagnostics());
        }

        if (result.Baseline is { } baseline)
        {
            AssertClean(baseline, scenario: "steady");
            output.WriteLine($"[timing] fault suite poison: {result.Injected} poison messages, healthy throughput {result.Throughput:0.0} leads/s, {result.ThroughputRatio:0.00} of the steady run's {baseline.Throughput:0.0}");
        }

        AssertClean(result, scenario);
        output.WriteLine(result.GoalMisses() is { Count: > 0 } misses ? $"[goal] {scenario}: not met: {string.Join("; ", misses)}" : $"[goal] {scenario}: met");
        if (scenario is "contacts-down" or "rabbitmq-kill")
        {
            // Capture never bounces because a dependency is down: Leads stores the lead with its contact pending
            // (Contacts down) or its events in the outbox (RabbitMQ down) and acknowledges it.
            Assert.Equal(0, result.Refused);
        }

        if (FaultScenarios.CrashPointOf(scenario) is { } point)
        {
            // The service died at that point of its own code, not from outside.
            Assert.Equal(point.Name, result.Crash);
        }
        if (scenario == "outbox-republish")
        {
            // The fault happened: records of Leads and Assignment were published a second time.
            Assert.True(result.Injected > 0, "no outbox record was republished");
        }

        if (scenario == "poison")
        {
            // 1 % of the capture rate while the load lasts (about 5), at least one of each kind; every one ended
            // dead-lettered (and nothing else did: DeadLetters above).
            Assert.True(result.Injected >= 3, $"{result.Injected} poison messages published");
            Assert.Equal(0, result.PoisonNotDeadLettered);
        }
    }

    private static void AssertClean(FaultResult result, string scenario)
    {
        Assert.True(result.Acknowledged >= 500, $"{result.Acknowledged} captures acknowledged, 500 expected");
        Zero(result.NeverAcknowledged, "never acknowledged");
        Zero(result.Lost, "lost (not assigned)");
        Zero(result.AssignedTwice, "assigned twice");
        Zero(result.EmailsMissing, "e-mails missing");
        Zero(result.EmailsTwice, "e-mails twice");
        if (scenario != "kill-messaging")
        {
            // Only a crash of Messaging itself, between the SMTP server taking an e-mail and the completion's commit,
            // may deliver the same message (same Message-Id) again: SendOnce's documented at-least-once window.
            Zero(result.EmailsRedelivered, "same e-mail redelivered");
        }

        Zero(result.CountedTwice, "counted twice");
        Zero(result.DeadLetters, "dead letters left");
        Zero(result.Skipped, "skipped");
        Assert.NotNull(result.Recovery);

        // The count's name on the failure's first line (CI prints only that), the whole row after it.
        void Zero(long value, string what) =>
            Assert.True(value == 0, $"{scenario}: {what} = {value}, expected 0\n{FaultScenarios.TableHeader}\n{result.Row()}");
    }
}
