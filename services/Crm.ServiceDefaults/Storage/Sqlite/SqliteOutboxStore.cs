using Crm.ServiceDefaults.Storage.Outbox;
using Dapper;

namespace Crm.ServiceDefaults.Storage.Sqlite;

public sealed class SqliteOutboxStore(SqliteDb db, TimeProvider time) : IOutboxStore
{
    public async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.UtcNowMs();
        return await db.InTransactionAsync(async tx =>
        {
            var rows = await tx.QueryAsync<OutboxMessage>(
                """
                UPDATE outbox SET lease_owner = @owner, lease_until = @until, attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM outbox
                    WHERE sent_at IS NULL AND (lease_until IS NULL OR lease_until < @now)
                    ORDER BY id LIMIT @max)
                RETURNING id AS Id, type AS Type, body AS Body, created_at AS CreatedAt
                """,
                new { owner, until = now + lease, now, max },
                cancellationToken);
            return (IReadOnlyList<OutboxMessage>)rows.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        }, cancellationToken);
    }

    public Task MarkSentAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        db.InTransactionAsync(tx => tx.ExecuteAsync(
            "UPDATE outbox SET sent_at = @now, lease_owner = NULL, lease_until = NULL WHERE id IN @ids",
            new { now = time.UtcNowMs(), ids },
            cancellationToken), cancellationToken);

    public Task PruneAsync(DateTimeOffset sentBefore, DateTimeOffset inboxBefore, DateTimeOffset idempotencyBefore, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async tx =>
        {
            await tx.ExecuteAsync("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < @sentBefore", new { sentBefore }, cancellationToken);
            await tx.ExecuteAsync("DELETE FROM inbox WHERE received_at < @inboxBefore", new { inboxBefore }, cancellationToken);
            await tx.ExecuteAsync("DELETE FROM idempotency WHERE created_at < @idempotencyBefore", new { idempotencyBefore }, cancellationToken);
        }, cancellationToken);

    public Task<long> CountPendingAsync(CancellationToken cancellationToken) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL", cancellationToken: cancellationToken)), cancellationToken);
}

public sealed class SqliteIdempotencyStore(SqliteDb db) : IIdempotencyStore
{
    public Task<IdempotentResponse?> GetAsync(string scope, string key, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<IdempotentResponse?>(new CommandDefinition(
            """
            SELECT scope AS Scope, key AS Key, request_hash AS RequestHash, status_code AS StatusCode,
                   location AS Location, body AS Body, created_at AS CreatedAt
            FROM idempotency WHERE scope = @scope AND key = @key
            """,
            new { scope, key },
            cancellationToken: cancellationToken)), cancellationToken);
}
