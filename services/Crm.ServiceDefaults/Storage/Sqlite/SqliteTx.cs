using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage.Outbox;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.ServiceDefaults.Storage.Sqlite;

/// <summary>An open SQLite write transaction. Pass <see cref="Transaction"/> to every Dapper call.</summary>
public sealed class SqliteTx(SqliteConnection connection, SqliteTransaction transaction, DateTimeOffset now) : ITransactionScope
{
    private const int SqliteConstraint = 19;

    public SqliteConnection Connection { get; } = connection;

    public SqliteTransaction Transaction { get; } = transaction;

    public DateTimeOffset Now { get; } = now;

    internal int Published { get; private set; }

    public Task<int> ExecuteAsync(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        Connection.ExecuteAsync(new CommandDefinition(sql, param, Transaction, cancellationToken: cancellationToken));

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        Connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, param, Transaction, cancellationToken: cancellationToken));

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        Connection.QueryAsync<T>(new CommandDefinition(sql, param, Transaction, cancellationToken: cancellationToken));

    public async Task PublishAsync(object message, CancellationToken cancellationToken = default)
    {
        var record = OutboxSerializer.Create(message, Now);
        await ExecuteAsync(
            "INSERT INTO outbox (id, type, body, created_at) VALUES (@Id, @Type, @Body, @CreatedAt)",
            record,
            cancellationToken);
        Published++;
    }

    public async Task<bool> TryAcceptAsync(InboxKey key, CancellationToken cancellationToken = default)
    {
        var inserted = await ExecuteAsync(
            "INSERT OR IGNORE INTO inbox (id, consumer, message_id, received_at) VALUES (@Id, @Consumer, @MessageId, @Now)",
            new { key.Id, key.Consumer, key.MessageId, Now },
            cancellationToken);
        return inserted == 1;
    }

    public async Task RecordIdempotencyAsync(IdempotentResponse response, CancellationToken cancellationToken = default)
    {
        try
        {
            await ExecuteAsync(
                """
                INSERT INTO idempotency (scope, key, request_hash, status_code, location, body, created_at)
                VALUES (@Scope, @Key, @RequestHash, @StatusCode, @Location, @Body, @CreatedAt)
                """,
                response,
                cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
        {
            throw new DuplicateIdempotencyKeyException($"Idempotency key '{response.Key}' is already used.", ex);
        }
    }
}
