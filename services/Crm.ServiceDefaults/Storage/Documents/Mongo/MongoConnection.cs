using MongoDB.Bson;
using MongoDB.Driver;

namespace Crm.ServiceDefaults.Storage.Mongo;

/// <summary>The server is not a replica set (or mongos): the stores need transactions. Not transient.</summary>
public sealed class MongoTopologyException : Exception
{
    public MongoTopologyException()
    {
    }

    public MongoTopologyException(string message)
        : base(message)
    {
    }

    public MongoTopologyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// How the platform talks to MongoDB, pinned in code rather than left to the connection string: reads and
/// transactions on the primary, commits acknowledged by a majority, transactions at snapshot isolation, retryable
/// reads and writes, a short server selection (an outage fails fast instead of hanging every request 30 s).
/// </summary>
public static class MongoConnection
{
    /// <summary>Every multi-document commit runs with these (never inherited from the connection string).</summary>
    public static TransactionOptions TransactionOptions { get; } =
        new(readConcern: ReadConcern.Snapshot, readPreference: ReadPreference.Primary, writeConcern: WriteConcern.WMajority);

    /// <summary>
    /// Client settings from <paramref name="connectionString"/> with the platform's pins; <paramref name="overridden"/>
    /// lists what the connection string asked for and did not get (log it).
    /// </summary>
    public static MongoClientSettings Settings(string connectionString, string serviceName, TimeSpan serverSelectionTimeout, out IReadOnlyList<string> overridden)
    {
        var url = MongoUrl.Create(connectionString);
        var given = new MongoDB.Driver.Core.Configuration.ConnectionString(connectionString);
        var settings = MongoClientSettings.FromUrl(url);
        var notes = new List<string>();
        if (settings.ReadPreference.ReadPreferenceMode != ReadPreferenceMode.Primary)
        {
            notes.Add($"readPreference={settings.ReadPreference.ReadPreferenceMode} is ignored: reads and transactions use the primary (a secondary read would miss the caller's own last write, and a transaction cannot read from one)");
        }

        if (url.W is not null && !url.W.Equals(WriteConcern.WValue.Parse("majority")))
        {
            notes.Add($"w={url.W} is ignored: commits wait for a majority (a w:1 commit can be rolled back after its events were published)");
        }

        if (given.RetryWrites == false || given.RetryReads == false)
        {
            notes.Add("retryWrites / retryReads = false is ignored: a write or read that meets a failover is retried once");
        }

        settings.ReadPreference = ReadPreference.Primary;
        settings.WriteConcern = WriteConcern.WMajority;
        settings.RetryWrites = true;
        settings.RetryReads = true;
        settings.ApplicationName ??= $"crm-{serviceName}";
        if (given.ServerSelectionTimeout is null)
        {
            settings.ServerSelectionTimeout = serverSelectionTimeout;
        }

        overridden = notes;
        return settings;
    }

    /// <summary>Throws <see cref="MongoTopologyException"/> unless the <c>hello</c> answer is from a replica set member or a mongos.</summary>
    public static void RequireReplicaSet(BsonDocument hello)
    {
        if (hello.Contains("setName") || (hello.TryGetValue("msg", out var msg) && msg.IsString && msg.AsString == "isdbgrid"))
        {
            return;
        }

        throw new MongoTopologyException(
            "MongoDB answers as a standalone server, but the stores need a replica set (every write commits with its events in a transaction). "
            + "Start mongod with --replSet and run rs.initiate() (a one-node replica set is enough), or use a managed replica set or cluster.");
    }

    /// <summary>An error that goes away by itself (server unreachable, election, shutdown): wait quietly and try again.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        TimeoutException or MongoConnectionException or MongoNotPrimaryException or MongoNodeIsRecoveringException => true,
        MongoException mongo when mongo.HasErrorLabel("TransientTransactionError") || mongo.HasErrorLabel("RetryableWriteError") => true,
        _ => false,
    };
}
