using Crm.ServiceDefaults.Storage.Outbox;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.ServiceDefaults.Storage.Sqlite;

/// <summary>
/// One SQLite database file per service (WAL, busy timeout). Writes run in <c>BEGIN IMMEDIATE</c> transactions
/// through <see cref="InTransactionAsync{T}"/>, with the outbox, inbox and idempotency tables in the same file.
/// </summary>
public sealed class SqliteDb
{
    private static readonly string[] PlatformSchema =
    [
        """
        CREATE TABLE IF NOT EXISTS outbox (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT NULL,
            lease_owner TEXT NULL,
            lease_until TEXT NULL,
            attempts INTEGER NOT NULL DEFAULT 0)
        """,
        "CREATE INDEX IF NOT EXISTS ix_outbox_pending ON outbox (sent_at, id)",
        """
        CREATE TABLE IF NOT EXISTS inbox (
            id TEXT PRIMARY KEY,
            consumer TEXT NOT NULL,
            message_id TEXT NOT NULL,
            received_at TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_inbox_received ON inbox (received_at)",
        """
        CREATE TABLE IF NOT EXISTS idempotency (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            status_code INTEGER NOT NULL,
            location TEXT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (scope, key))
        """,
    ];

    private readonly IReadOnlyList<string> _schema;
    private readonly TimeProvider _time;
    private readonly OutboxSignal _signal;

    public SqliteDb(string path, IReadOnlyList<string> schema, TimeProvider time, OutboxSignal signal)
    {
        SqliteTypeHandlers.Register();
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        Path = System.IO.Path.GetFullPath(path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _schema = schema;
        _time = time;
        _signal = signal;
    }

    public string Path { get; }

    public string ConnectionString { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
        return connection;
    }

    /// <summary>Creates the platform tables and the service's schema; idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        foreach (var statement in PlatformSchema.Concat(_schema))
        {
            await connection.ExecuteAsync(new CommandDefinition(statement, cancellationToken: cancellationToken));
        }
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction: its own writes, outbox, inbox and idempotency commit together.</summary>
    public async Task<T> InTransactionAsync<T>(Func<SqliteTx, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var tx = new SqliteTx(connection, transaction, _time.UtcNowMs());
        var result = await work(tx);
        await transaction.CommitAsync(cancellationToken);
        if (tx.Published > 0)
        {
            _signal.Notify();
        }

        return result;
    }

    public Task InTransactionAsync(Func<SqliteTx, Task> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async tx =>
        {
            await work(tx);
            return true;
        }, cancellationToken);

    /// <summary>A read on its own connection (WAL readers never block the writer).</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> read, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await read(connection);
    }
}
