using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The platform's own collections and queries (outbox and timers) rendered for SQLite (with its plan) and MongoDB:
/// see <c>queries.approved.md</c>. The claims run every second on every replica, so they must be index-backed.
/// </summary>
public sealed class PlatformQueryCatalogTests
{
    [Fact]
    public Task Every_platform_query_renders_on_both_backends() =>
        QueryCatalog.VerifyAsync("queries.approved.md", PlatformCollections.All, [typeof(PlatformQueries)]);

    [Theory]
    [InlineData("DueOutbox", "outbox", "ix_outbox.due")]
    [InlineData("ClaimableTimers", "timers", "ix_timers.due")]
    public async Task The_claims_search_their_index_in_sqlite(string query, string table, string index)
    {
        var plan = await SqlitePlanAsync(query);

        Assert.Contains($"SEARCH {table} USING INDEX {index} (", plan, StringComparison.Ordinal);
        Assert.DoesNotContain($"SCAN {table}", plan, StringComparison.Ordinal);
    }

    /// <summary>
    /// A claim takes the first few of possibly very many claimable records (a backlog after an outage): read in
    /// index order it stops after them; sorted afterwards (a temp B-tree in SQLite, a blocking SORT in MongoDB) it
    /// reads the whole backlog at every poll of every replica.
    /// </summary>
    [Theory]
    [InlineData("DueOutbox")]
    [InlineData("ClaimableTimers")]
    public async Task The_claims_read_in_index_order_so_a_backlog_is_not_sorted_at_every_poll(string query)
    {
        var plan = await SqlitePlanAsync(query);

        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    private static async Task<string> SqlitePlanAsync(string query)
    {
        var rendered = await QueryCatalog.RenderAsync(PlatformCollections.All, [typeof(PlatformQueries)], new Dictionary<Type, object>());
        var section = rendered.Split("\n### ").Single(s => s.StartsWith($"PlatformQueries.{query}(", StringComparison.Ordinal));
        return section.Split('\n').Single(l => l.StartsWith("SQLite plan: ", StringComparison.Ordinal));
    }
}
