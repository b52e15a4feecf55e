using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage.Sqlite;
using Dapper;

namespace Crm.Analytics.Counters;

public sealed class SqliteAnalyticsStore(SqliteDb db) : IAnalyticsStore
{
    public Task<bool> IncrementAsync(InboxKey inbox, CounterIncrement increment, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            if (!await tx.TryAcceptAsync(inbox, cancellationToken))
            {
                return false;
            }

            var day = Days.ToText(increment.Day);
            foreach (var counter in increment.Counters)
            {
                await tx.ExecuteAsync(
                    """
                    INSERT INTO counters (day, metric, key, count) VALUES (@day, @Metric, @Key, 1)
                    ON CONFLICT (day, metric, key) DO UPDATE SET count = count + 1
                    """,
                    new { day, counter.Metric, counter.Key },
                    cancellationToken);
            }

            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<DayCounter>> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync<CounterRow>(new CommandDefinition(
                """
                SELECT day AS Day, metric AS Metric, key AS Key, count AS Count
                FROM counters WHERE day BETWEEN @from AND @to
                ORDER BY day, metric, key
                """,
                new { from = Days.ToText(from), to = Days.ToText(to) },
                cancellationToken: cancellationToken));
            return (IReadOnlyList<DayCounter>)rows.Select(r => new DayCounter(Days.Parse(r.Day), r.Metric, r.Key, r.Count)).ToList();
        }, cancellationToken);

    private sealed class CounterRow
    {
        public string Day { get; set; } = "";
        public string Metric { get; set; } = "";
        public string Key { get; set; } = "";
        public int Count { get; set; }
    }
}
