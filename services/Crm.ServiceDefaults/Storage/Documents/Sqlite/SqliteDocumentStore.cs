using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Crm.ServiceDefaults.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file per service in WAL mode. Reads run on pooled connections and see the last
/// commit (WAL readers never wait for the writer). Writes go through one writer connection per process: commits
/// queue in-process for it and run in <c>BEGIN IMMEDIATE</c> transactions (another process on the same file waits
/// in SQLite's busy handler), with its prepared statements kept. The writes waiting when the writer is free are
/// committed together (a group commit, up to <see cref="MaxCommitGroup"/>): one transaction, a savepoint per write, so
/// each still succeeds or fails on its own.
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore, IAsyncDisposable
{
    private const int SqliteConstraint = 19;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;
    private const int MaxCachedStatements = 256;

    private readonly ConcurrentDictionary<IDocumentCollection, SqlRenderer> _renderers = new();
    private static readonly SqlStatement Begin = new("BEGIN IMMEDIATE", []);
    private static readonly SqlStatement Commit = new("COMMIT", []);
    private static readonly SqlStatement Savepoint = new("SAVEPOINT w", []);
    private static readonly SqlStatement Release = new("RELEASE w", []);
    private static readonly SqlStatement RollbackToSavepoint = new("ROLLBACK TO w", []);

    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly Lock _queueLock = new();
    private readonly Queue<PendingWrite> _queue = new();
    private bool _draining;
    private long _transactions;
    private bool _disposed;
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private SqliteConnection? _writeConnection;

    public SqliteDocumentStore(string path, int maxCommitGroup = DefaultMaxCommitGroup)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCommitGroup, 1);
        MaxCommitGroup = maxCommitGroup;
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>How many waiting writes at most share one transaction (1: a transaction per write).</summary>
    public const int DefaultMaxCommitGroup = 64;

    public string Provider => StorageOptions.Sqlite;

    /// <summary>How many waiting writes at most share one transaction (<c>Storage:SqliteMaxCommitGroup</c>).</summary>
    public int MaxCommitGroup { get; }

    /// <summary>Writes queued for the writer and not yet taken into a transaction.</summary>
    internal int Waiting
    {
        get
        {
            lock (_queueLock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Whether a write holds the writer connection now (a transaction, the schema, closing).</summary>
    internal bool Writing => _writer.CurrentCount == 0;

    /// <summary>Write transactions this store committed since it was opened (a group commit counts once).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    public string Path { get; }

    public string ConnectionString { get; }

    /// <summary>Tables of the layout before the document layer that the last initialisation renamed aside (not migrated).</summary>
    public IReadOnlyList<string> SetAsideTables { get; private set; } = [];

    public SqlRenderer Renderer(IDocumentCollection collection) => _renderers.GetOrAdd(collection, c => new SqlRenderer(c));

    public Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken = default)
        where T : class, IDocument =>
        ReadAsync(async connection =>
        {
            var list = await QueryDocumentsAsync<T>(connection, Renderer(collection).Get(id), cancellationToken);
            return list.Count == 0 ? null : list[0];
        }, cancellationToken);

    public Task<IReadOnlyList<T>> FindAsync<T>(Query<T> query, CancellationToken cancellationToken = default)
        where T : class, IDocument =>
        ReadAsync(async connection => (IReadOnlyList<T>)await QueryDocumentsAsync<T>(
            connection,
            Renderer(query.Collection).Select(query.Filter.Node, query.EffectiveSort, query.After, query.Limit),
            cancellationToken), cancellationToken);

    public Task<long> CountAsync<T>(DocumentCollection<T> collection, Filter<T> filter, CancellationToken cancellationToken = default)
        where T : class, IDocument =>
        ReadAsync(async connection =>
        {
            await using var command = Command(connection, Renderer(collection).Count(filter.Node));
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    public async Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default)
    {
        if (writes.Count == 0)
        {
            return [];
        }

        return await InWriteTransactionAsync(async connection =>
        {
            var counts = new long[writes.Count];
            for (var i = 0; i < writes.Count; i++)
            {
                counts[i] = await ApplyAsync(connection, writes[i], cancellationToken);
            }

            return (IReadOnlyList<long>)counts;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<T>> ClaimAsync<T>(Query<T> claimable, Update<T> update, Filter<T> claimed, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        var statement = Renderer(claimable.Collection).Claim(claimable.Filter.Node, claimable.EffectiveSort, claimable.Limit ?? 1, update.Operations);
        return InWriteTransactionAsync(async connection => (IReadOnlyList<T>)await QueryDocumentsAsync<T>(connection, statement, cancellationToken, cached: true), cancellationToken);
    }

    public async Task InitializeAsync(IReadOnlyCollection<IDocumentCollection> collections, CancellationToken cancellationToken = default)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = await WriterAsync(cancellationToken);
            await ExecuteAsync(connection, "PRAGMA journal_mode = WAL", cancellationToken);
            await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
            try
            {
                SetAsideTables = await SqliteSchema.ApplyAsync(connection, collections, cancellationToken);
                await ExecuteAsync(connection, "COMMIT", cancellationToken);
            }
            catch
            {
                await RollbackAsync(connection);
                throw;
            }

            // Schema changes invalidate prepared statements.
            ClearStatements();
        }
        finally
        {
            _writer.Release();
        }
    }

    public Task PingAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(async connection =>
        {
            await ExecuteAsync(connection, "SELECT 1", cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Deletes documents past the TTL of their collection's TTL indexes (MongoDB does this itself), in bounded batches.</summary>
    public async Task<long> PruneExpiredAsync(IReadOnlyCollection<IDocumentCollection> collections, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        long total = 0;
        foreach (var collection in collections)
        {
            foreach (var index in collection.Indexes.Where(i => i.ExpireAfter is not null))
            {
                var renderer = Renderer(collection);
                var cutoff = DocumentJson.Encode(now - index.ExpireAfter!.Value, typeof(DateTimeOffset)).GetString();
                var sql = $"DELETE FROM {renderer.Table} WHERE id IN (SELECT id FROM {renderer.Table} WHERE {renderer.Field(index.Keys[0].Field)} < $p0 LIMIT 1000)";
                long deleted;
                do
                {
                    deleted = await InWriteTransactionAsync(async connection =>
                    {
                        var command = Cached(connection, new SqlStatement(sql, [new("$p0", cutoff)]));
                        return (long)await command.ExecuteNonQueryAsync(cancellationToken);
                    }, cancellationToken);
                    total += deleted;
                }
                while (deleted == 1000);
            }
        }

        return total;
    }

    /// <summary>
    /// Closes the write connection. A write still waiting for the lock, or coming later, fails with
    /// <see cref="ObjectDisposedException"/>: the lock itself is never disposed, because disposing a
    /// <see cref="SemaphoreSlim"/> abandons its waiters and would leave such a write (a consumer still running while
    /// its host stops) waiting forever, and the bus waiting for that consumer.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _writer.WaitAsync();
        try
        {
            _disposed = true;
            ClearStatements();
            if (_writeConnection is not null)
            {
                await _writeConnection.DisposeAsync();
                _writeConnection = null;
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<long> ApplyAsync(SqliteConnection connection, WriteOperation write, CancellationToken cancellationToken)
    {
        var renderer = Renderer(write.Collection);
        var statement = write switch
        {
            InsertWrite insert => renderer.Insert(insert.Document.Id, DocumentJson.Serialize(insert.Document), insert.IgnoreIfExists),
            ReplaceWrite { ExpectedVersion: { } version } replace => renderer.Replace(replace.Document.Id, DocumentJson.Serialize(replace.Document), version),
            ReplaceWrite replace => renderer.Put(replace.Document.Id, DocumentJson.Serialize(replace.Document)),
            DeleteWrite delete => renderer.Delete(delete.Filter),
            UpdateWrite update => renderer.Update(update.Filter, update.Update),
            UpsertWrite upsert => renderer.Upsert(upsert.Seed.Id, DocumentJson.Serialize(upsert.Seed), upsert.Update),
            _ => throw new NotSupportedException(write.GetType().Name),
        };

        long changed;
        try
        {
            changed = await Cached(connection, statement).ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint && ex.SqliteExtendedErrorCode is ConstraintPrimaryKey or ConstraintUnique)
        {
            throw new DuplicateKeyException(write.Collection.Name, $"A document of '{write.Collection.Name}' with the same key exists: {ex.Message}", ex);
        }

        var expectOne = write switch
        {
            ReplaceWrite { ExpectedVersion: not null } => true,
            DeleteWrite delete => delete.ExpectOne,
            UpdateWrite update => update.ExpectOne,
            _ => false,
        };
        if (expectOne && changed == 0)
        {
            throw new ConcurrencyException(write is ReplaceWrite replaced
                ? $"'{write.Collection.Name}' document '{replaced.Document.Id}' is no longer at version {replaced.ExpectedVersion}."
                : $"A guarded write to '{write.Collection.Name}' matched nothing: the data changed since it was read.");
        }

        return changed;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction of its own, or, when other writes are waiting for the writer,
    /// together with them in one transaction (a group commit): each write runs in a savepoint of its own, so a write
    /// that throws (a failed guard, a taken key) is rolled back alone and fails alone, and the others still commit. The
    /// caller's task completes after the COMMIT that made its write durable; what it sees is exactly what one
    /// transaction per write would give (the writes of a group are applied in the order they arrived).
    /// </summary>
    private Task<T> InWriteTransactionAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var pending = new PendingWrite<T>(work, cancellationToken);
        bool lead;
        lock (_queueLock)
        {
            _queue.Enqueue(pending);
            lead = !_draining;
            _draining = true;
        }

        if (lead)
        {
            // The writer loop runs apart from the caller's flow: it serves every caller that queues meanwhile.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(DrainAsync, CancellationToken.None);
            }
        }

        return pending.Task;
    }

    /// <summary>Commits what is queued, a group at a time, until nothing is left.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            PendingWrite[] group;
            lock (_queueLock)
            {
                if (_queue.Count == 0)
                {
                    _draining = false;
                    return;
                }

                group = new PendingWrite[Math.Min(_queue.Count, MaxCommitGroup)];
                for (var i = 0; i < group.Length; i++)
                {
                    group[i] = _queue.Dequeue();
                }
            }

            await CommitGroupAsync(group);
        }
    }

    private async Task CommitGroupAsync(PendingWrite[] group)
    {
        var live = group.Where(p => !p.CancelIfRequested()).ToList();
        if (live.Count == 0)
        {
            return;
        }

        await _writer.WaitAsync();
        try
        {
            if (_disposed)
            {
                live.ForEach(p => p.Fail(new ObjectDisposedException(GetType().FullName)));
                return;
            }

            var connection = await WriterAsync(CancellationToken.None);
            if (live.Count == 1 || !await TryCommitTogetherAsync(connection, live))
            {
                foreach (var pending in live)
                {
                    await CommitAloneAsync(connection, pending);
                }
            }

            StorageMetrics.CommitGroup.Record(live.Count);
        }
        catch (Exception ex)
        {
            // Opening the writer failed, or the connection did: nothing of what is not answered yet was stored.
            if (_writeConnection is not null)
            {
                await RollbackAsync(_writeConnection);
            }

            live.ForEach(p => p.Fail(ex));
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// One transaction, a savepoint per write. False when the transaction itself failed (it could not begin, a write
    /// left it unusable, or the COMMIT failed): nothing of the group was stored, and the writes not yet answered are
    /// to be committed one by one.
    /// </summary>
    private async Task<bool> TryCommitTogetherAsync(SqliteConnection connection, List<PendingWrite> group)
    {
        var applied = new List<PendingWrite>(group.Count);
        try
        {
            await Cached(connection, Begin).ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (SqliteException)
        {
            return false;
        }

        for (var i = 0; i < group.Count; i++)
        {
            var pending = group[i];
            try
            {
                await Cached(connection, Savepoint).ExecuteNonQueryAsync(CancellationToken.None);
                await pending.RunAsync(connection);
                await Cached(connection, Release).ExecuteNonQueryAsync(CancellationToken.None);
                applied.Add(pending);
            }
            catch (Exception ex)
            {
                try
                {
                    await Cached(connection, RollbackToSavepoint).ExecuteNonQueryAsync(CancellationToken.None);
                    await Cached(connection, Release).ExecuteNonQueryAsync(CancellationToken.None);
                }
                catch (SqliteException)
                {
                    // SQLite ended the transaction itself (I/O error, disk full): this write fails; the others of the
                    // group go again one by one.
                    await RollbackAsync(connection);
                    pending.Fail(ex);
                    group.RemoveAt(i);
                    return false;
                }

                pending.Fail(ex);
                group.RemoveAt(i--);
            }
        }

        try
        {
            await Cached(connection, Commit).ExecuteNonQueryAsync(CancellationToken.None);
            Interlocked.Increment(ref _transactions);
        }
        catch (SqliteException)
        {
            await RollbackAsync(connection);
            return false;
        }

        applied.ForEach(p => p.Succeed());
        return true;
    }

    /// <summary>One write in a transaction of its own.</summary>
    private async Task CommitAloneAsync(SqliteConnection connection, PendingWrite pending)
    {
        if (pending.CancelIfRequested())
        {
            return;
        }

        try
        {
            await Cached(connection, Begin).ExecuteNonQueryAsync(CancellationToken.None);
            try
            {
                await pending.RunAsync(connection);
                await Cached(connection, Commit).ExecuteNonQueryAsync(CancellationToken.None);
                Interlocked.Increment(ref _transactions);
            }
            catch
            {
                await RollbackAsync(connection);
                throw;
            }
        }
        catch (Exception ex)
        {
            pending.Fail(ex);
            return;
        }

        pending.Succeed();
    }

    /// <summary>A write waiting for the writer: its work and the caller's task.</summary>
    private abstract class PendingWrite
    {
        public abstract Task RunAsync(SqliteConnection connection);

        public abstract void Succeed();

        public abstract void Fail(Exception exception);

        /// <summary>Answers the caller as cancelled when it gave up before its write ran.</summary>
        public abstract bool CancelIfRequested();
    }

    private sealed class PendingWrite<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _completion.Task;

        public override async Task RunAsync(SqliteConnection connection) => _result = await work(connection);

        public override void Succeed() => _completion.TrySetResult(_result!);

        public override void Fail(Exception exception)
        {
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                _completion.TrySetCanceled(cancellationToken);
            }
            else
            {
                _completion.TrySetException(exception);
            }
        }

        public override bool CancelIfRequested() => cancellationToken.IsCancellationRequested && _completion.TrySetCanceled(cancellationToken);
    }

    private async Task<SqliteConnection> WriterAsync(CancellationToken cancellationToken)
    {
        if (_writeConnection is not null)
        {
            return _writeConnection;
        }

        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;", cancellationToken);
        _writeConnection = connection;
        return connection;
    }

    private static async Task RollbackAsync(SqliteConnection connection)
    {
        try
        {
            await ExecuteAsync(connection, "ROLLBACK", CancellationToken.None);
        }
        catch (SqliteException)
        {
            // No transaction is open any more (SQLite rolled back itself).
        }
    }

    private async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return await read(connection);
    }

    private async Task<List<T>> QueryDocumentsAsync<T>(SqliteConnection connection, SqlStatement statement, CancellationToken cancellationToken, bool cached = false)
    {
        var command = cached ? Cached(connection, statement) : Command(connection, statement);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var list = new List<T>();
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(DocumentJson.Deserialize<T>(reader.GetString(0)));
            }

            return list;
        }
        finally
        {
            if (!cached)
            {
                await command.DisposeAsync();
            }
        }
    }

    /// <summary>A command on the writer connection, prepared once per SQL text.</summary>
    private SqliteCommand Cached(SqliteConnection connection, SqlStatement statement)
    {
        if (!_statements.TryGetValue(statement.Sql, out var command))
        {
            if (_statements.Count >= MaxCachedStatements)
            {
                ClearStatements();
            }

            command = connection.CreateCommand();
            command.CommandText = statement.Sql;
            _statements[statement.Sql] = command;
        }

        Bind(command, statement);
        return command;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqlStatement statement)
    {
        var command = connection.CreateCommand();
        command.CommandText = statement.Sql;
        Bind(command, statement);
        return command;
    }

    private static void Bind(SqliteCommand command, SqlStatement statement)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in statement.Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    private void ClearStatements()
    {
        foreach (var command in _statements.Values)
        {
            command.Dispose();
        }

        _statements.Clear();
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
