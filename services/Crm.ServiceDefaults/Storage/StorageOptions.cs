namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// Which store a service uses (config section <c>Storage</c>): <c>sqlite</c> (default; one database file per
/// service under <see cref="DataDirectory"/>) or <c>mongo</c> (a connection string and a database per service).
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";
    public const string Sqlite = "sqlite";
    public const string Mongo = "mongo";

    public string Provider { get; set; } = Sqlite;
    /// <summary>Folder of the SQLite files; the file is <c>{service}.db</c> unless <see cref="SqlitePath"/> is set.</summary>
    public string DataDirectory { get; set; } = "data";
    public string? SqlitePath { get; set; }

    /// <summary>
    /// SQLite: how many writes waiting for the process' one writer at most go into one transaction (a group commit;
    /// each write in a savepoint of its own, so each still succeeds or fails alone). 1: a transaction per write.
    /// </summary>
    public int SqliteMaxCommitGroup { get; set; } = Storage.Sqlite.SqliteDocumentStore.DefaultMaxCommitGroup;
    public string? MongoConnectionString { get; set; }
    /// <summary>Defaults to <c>crm-{service}</c>.</summary>
    public string? MongoDatabase { get; set; }

    /// <summary>MongoDB: how long an operation waits for a usable server (the driver's default, 30 s, would hang every request through an election).</summary>
    public TimeSpan ServerSelectionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>MongoDB: how long one commit may take, the driver's retries of transient conflicts included.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsMongo => string.Equals(Provider, Mongo, StringComparison.OrdinalIgnoreCase);

    public void Validate()
    {
        if (!string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase) && !IsMongo)
        {
            throw new InvalidOperationException($"Storage:Provider must be '{Sqlite}' or '{Mongo}', not '{Provider}'.");
        }

        if (SqliteMaxCommitGroup < 1)
        {
            throw new InvalidOperationException($"Storage:SqliteMaxCommitGroup must be at least 1, not {SqliteMaxCommitGroup}.");
        }

        if (IsMongo && string.IsNullOrWhiteSpace(MongoConnectionString))
        {
            throw new InvalidOperationException("Storage:MongoConnectionString is required when Storage:Provider is 'mongo'.");
        }
    }
}
