using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// How the platform connects to MongoDB, checked without a server: the settings the stores rely on are pinned in
/// code whatever the connection string says (review finding M1), a short server selection (M12), and a standalone
/// server is refused with a clear message (M3).
/// </summary>
public sealed class MongoConnectionTests
{
    private const string ReplicaSet = "mongodb://db-0:27017,db-1:27017/?replicaSet=rs0";

    /// <summary>M1 / M12: a plain connection string gets primary reads, majority commits, retries, a name and a short server selection.</summary>
    [Fact]
    public void A_plain_connection_string_gets_the_platforms_settings()
    {
        var settings = MongoConnection.Settings(ReplicaSet, "leads", TimeSpan.FromSeconds(7), out var notes);

        Assert.Equal(ReadPreference.Primary, settings.ReadPreference);
        Assert.Equal(WriteConcern.WMajority, settings.WriteConcern);
        Assert.True(settings.RetryWrites);
        Assert.True(settings.RetryReads);
        Assert.Equal("crm-leads", settings.ApplicationName);
        Assert.Equal(TimeSpan.FromSeconds(7), settings.ServerSelectionTimeout);
        Assert.Equal("rs0", settings.ReplicaSetName);
        Assert.Empty(notes);
    }

    /// <summary>M1: a secondary read preference would make every transaction that reads throw; it is overridden, with a note.</summary>
    [Theory]
    [InlineData("secondaryPreferred", "SecondaryPreferred")]
    [InlineData("secondary", "Secondary")]
    [InlineData("nearest", "Nearest")]
    [InlineData("primaryPreferred", "PrimaryPreferred")]
    public void A_read_preference_other_than_primary_is_overridden_with_a_note(string given, string shown)
    {
        var settings = MongoConnection.Settings(ReplicaSet + "&readPreference=" + given, "leads", TimeSpan.FromSeconds(5), out var notes);

        Assert.Equal(ReadPreference.Primary, settings.ReadPreference);
        var note = Assert.Single(notes);
        Assert.StartsWith($"readPreference={shown} is ignored", note, StringComparison.Ordinal);
        Assert.Contains("primary", note, StringComparison.Ordinal);
    }

    /// <summary>M1: a w:1 commit can be rolled back after its events were published; commits wait for a majority, with a note.</summary>
    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("2")]
    public void A_write_concern_other_than_majority_is_overridden_with_a_note(string w)
    {
        var settings = MongoConnection.Settings(ReplicaSet + "&w=" + w, "leads", TimeSpan.FromSeconds(5), out var notes);

        Assert.Equal(WriteConcern.WMajority, settings.WriteConcern);
        var note = Assert.Single(notes);
        Assert.StartsWith($"w={w} is ignored", note, StringComparison.Ordinal);
        Assert.Contains("majority", note, StringComparison.Ordinal);
    }

    /// <summary>M1: each override is noted once (logged at start), and a string that already asks for primary / majority gets no note.</summary>
    [Fact]
    public void Both_overrides_are_noted_and_what_the_platform_wants_anyway_is_not()
    {
        MongoConnection.Settings(ReplicaSet + "&readPreference=secondary&w=1", "leads", TimeSpan.FromSeconds(5), out var both);
        MongoConnection.Settings(ReplicaSet + "&readPreference=primary&w=majority", "leads", TimeSpan.FromSeconds(5), out var none);

        Assert.Equal(2, both.Count);
        Assert.Empty(none);
    }

    /// <summary>M12: an explicit server selection timeout in the connection string wins over the platform's default.</summary>
    [Theory]
    [InlineData(2000)]
    [InlineData(12000)]
    [InlineData(30000)] // the driver's own default, written out on purpose: still the operator's choice
    public void A_server_selection_timeout_in_the_connection_string_is_kept(int milliseconds)
    {
        var settings = MongoConnection.Settings(ReplicaSet + "&serverSelectionTimeoutMS=" + milliseconds, "leads", TimeSpan.FromSeconds(5), out _);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), settings.ServerSelectionTimeout);
    }

    /// <summary>M1: the client names itself (crm-{service}) unless the operator named it.</summary>
    [Fact]
    public void An_application_name_in_the_connection_string_is_kept()
    {
        var settings = MongoConnection.Settings(ReplicaSet + "&appName=ops-console", "leads", TimeSpan.FromSeconds(5), out _);

        Assert.Equal("ops-console", settings.ApplicationName);
    }

    /// <summary>M1: transactions never inherit options from the connection string.</summary>
    [Fact]
    public void Transactions_run_at_snapshot_on_the_primary_and_commit_with_a_majority()
    {
        var options = MongoConnection.TransactionOptions;

        Assert.Equal(ReadConcernLevel.Snapshot, options.ReadConcern!.Level);
        Assert.Equal(ReadPreferenceMode.Primary, options.ReadPreference!.ReadPreferenceMode);
        Assert.Equal(WriteConcern.WMajority, options.WriteConcern);
    }

    /// <summary>M3: a standalone mongod accepts pings and index builds but no transaction: refuse it at start with a clear message.</summary>
    [Fact]
    public void A_standalone_server_is_refused_with_a_message_that_says_what_to_do()
    {
        var standalone = new BsonDocument
        {
            { "isWritablePrimary", true },
            { "topologyVersion", new BsonDocument { { "processId", ObjectId.GenerateNewId() }, { "counter", 0L } } },
            { "maxBsonObjectSize", 16777216 },
            { "maxWireVersion", 21 },
            { "ok", 1.0 },
        };

        var error = Assert.Throws<MongoTopologyException>(() => MongoConnection.RequireReplicaSet(standalone));

        Assert.Contains("standalone", error.Message, StringComparison.Ordinal);
        Assert.Contains("replica set", error.Message, StringComparison.Ordinal);
        Assert.Contains("--replSet", error.Message, StringComparison.Ordinal);
        Assert.Contains("rs.initiate()", error.Message, StringComparison.Ordinal);
    }

    /// <summary>M3: a member of a replica set that was started with --replSet but never initiated cannot run transactions either.</summary>
    [Fact]
    public void A_replica_set_member_that_was_never_initiated_is_refused()
    {
        var ghost = new BsonDocument { { "isWritablePrimary", false }, { "secondary", false }, { "isreplicaset", true }, { "ok", 1.0 } };

        Assert.Throws<MongoTopologyException>(() => MongoConnection.RequireReplicaSet(ghost));
    }

    /// <summary>M3: replica set members (primary or secondary) and mongos routers can run transactions.</summary>
    [Fact]
    public void Replica_set_members_and_mongos_are_accepted()
    {
        MongoConnection.RequireReplicaSet(new BsonDocument { { "isWritablePrimary", true }, { "setName", "rs0" }, { "hosts", new BsonArray { "db-0:27017" } }, { "ok", 1.0 } });
        MongoConnection.RequireReplicaSet(new BsonDocument { { "isWritablePrimary", false }, { "secondary", true }, { "setName", "rs0" }, { "ok", 1.0 } });
        MongoConnection.RequireReplicaSet(new BsonDocument { { "isWritablePrimary", true }, { "msg", "isdbgrid" }, { "ok", 1.0 } });
    }

    /// <summary>M2 / M3: waiting helps against an unreachable server or an election, not against a standalone server.</summary>
    [Fact]
    public void Unreachable_servers_and_elections_are_transient_and_a_wrong_topology_is_not()
    {
        Assert.True(MongoConnection.IsTransient(new TimeoutException("server selection")));
        Assert.False(MongoConnection.IsTransient(new MongoTopologyException("standalone")));
        Assert.False(MongoConnection.IsTransient(new InvalidOperationException()));
    }
}
