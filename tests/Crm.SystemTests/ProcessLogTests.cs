using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

/// <summary>What an operator reads at 3 a.m.: every log entry of every process is one line stamped in UTC.</summary>
[Collection(PlatformCollection.Name)]
public sealed partial class ProcessLogTests(Platform platform)
{
    [Theory]
    [InlineData("contacts")]
    [InlineData("leads")]
    [InlineData("assignment")]
    [InlineData("messaging")]
    [InlineData("analytics")]
    [InlineData("gateway")]
    public void Every_log_entry_starts_with_a_utc_timestamp(string process)
    {
        // Entries start at the first column; an exception's stack trace follows indented.
        var entries = platform.OutputOf(process).Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => line.Length > 0 && !char.IsWhiteSpace(line[0]))
            .ToList();

        Assert.NotEmpty(entries);
        var unstamped = entries.Where(line => !Entry().IsMatch(line)).ToList();
        Assert.True(unstamped.Count == 0, $"{unstamped.Count} of {entries.Count} entries of {process} are not stamped:\n{string.Join('\n', unstamped.Take(5))}");
        var first = DateTimeOffset.Parse(Entry().Match(entries[0]).Groups["at"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(first, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [GeneratedRegex(@"^(?<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) (trce|dbug|info|warn|fail|crit): \S")]
    private static partial Regex Entry();
}
