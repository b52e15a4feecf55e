using Crm.Faults;
using Xunit;

namespace Crm.FaultTests;

/// <summary>The checker's "drained": the backlog back to two seconds of captures for good after the fault.</summary>
public sealed class DrainedTests
{
    private static List<(TimeSpan, int)> Samples(params (int Second, int Backlog)[] samples) =>
        [.. samples.Select(s => (TimeSpan.FromSeconds(s.Second), s.Backlog))];

    [Fact]
    public void A_low_sample_between_high_ones_does_not_count_as_drained()
    {
        // 50 captures/s: more than 100 waiting is a backlog. The fault ended at 10 s; a restarting counter read 0 at 11 s.
        var samples = Samples((9, 400), (10, 500), (11, 0), (12, 480), (13, 300), (14, 120), (15, 90), (16, 40));

        Assert.Equal(TimeSpan.FromSeconds(5), FaultScenarios.Drained(samples, TimeSpan.FromSeconds(10), rate: 50));
    }

    [Fact]
    public void No_backlog_after_the_fault_is_drained_at_once_and_one_never_drained_is_null()
    {
        Assert.Equal(TimeSpan.Zero, FaultScenarios.Drained(Samples((9, 400), (10, 60), (11, 20)), TimeSpan.FromSeconds(10), rate: 50));
        Assert.Null(FaultScenarios.Drained(Samples((10, 500), (11, 450)), TimeSpan.FromSeconds(10), rate: 50));
    }
}
