using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// Review finding M7 without a server: <see cref="MongoIndexes.Plan"/> turns a declaration and a
/// <c>listIndexes</c> answer into createIndexes / collMod / dropIndexes actions that a real server accepts, so a
/// changed index never makes every replica crash-loop on IndexOptionsConflict (85) or IndexKeySpecsConflict (86).
/// The plans are applied to <see cref="MongoCatalog"/>, a model of the server's index catalog rules.
/// </summary>
public sealed class MongoIndexPlanTests
{
    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.Shell };

    private static readonly BsonDocument IdIndex = new() { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } };

    /// <summary>M7: a missing index is created under its hashed name, with its options.</summary>
    [Fact]
    public void Missing_indexes_are_created_under_their_hashed_names_with_their_options()
    {
        var actions = MongoIndexes.Plan(Samples, [IdIndex]);

        Assert.Equal(
            [
                "create name_27855ca2 { \"name\" : 1 } { \"name\" : \"name_27855ca2\" }",
                "create tier_at_8a9c8950 { \"tier\" : 1, \"at\" : -1 } { \"name\" : \"tier_at_8a9c8950\" }",
                "create code_673094e6 { \"code\" : 1 } { \"name\" : \"code_673094e6\", \"unique\" : true }",
                "create email_1fe8047c { \"email\" : 1 } { \"name\" : \"email_1fe8047c\", \"unique\" : true, \"partialFilterExpression\" : { \"email\" : { \"$exists\" : true } } }",
                "create touched_ttl_ca6168d6 { \"touched\" : 1 } { \"name\" : \"touched_ttl_ca6168d6\", \"expireAfterSeconds\" : NumberLong(3600) }",
            ],
            actions.Select(Describe));
        Assert.All(actions, a => Assert.Equal("samples", a.Collection));
    }

    /// <summary>
    /// M7 / M10: a partial index names the optional key it needs with <c>$exists</c>, which a query comparing that key
    /// to a value implies, so the planner can use the index (unlike the <c>$type</c> filter of M10).
    /// </summary>
    [Fact]
    public void A_partial_index_requires_only_its_optional_keys()
    {
        var codeEmail = new DocumentCollection<Sample>("code_email").Index("code_email", i => i.Asc(x => x.Code).Asc(x => x.Email).Unique().WhenPresent(x => x.Email));
        var name = MongoIndexes.NameOf(codeEmail.Indexes.Single());

        var actions = MongoIndexes.Plan(codeEmail, [IdIndex]);

        Assert.Equal(
            [$"create {name} {{ \"code\" : 1, \"email\" : 1 }} {{ \"name\" : \"{name}\", \"unique\" : true, \"partialFilterExpression\" : {{ \"email\" : {{ \"$exists\" : true }} }} }}"],
            actions.Select(Describe));
    }

    /// <summary>M7: the hash is of the shape (keys, unique, partial) only, so it is stable across processes and versions.</summary>
    [Fact]
    public void An_index_name_is_its_declared_name_and_the_hash_of_its_shape()
    {
        Assert.Equal(
            ["name:1", "tier:1,at:-1", "code:1|unique", "email:1|unique|when-present", "touched:1|ttl"],
            Samples.Indexes.Select(i => i.Shape));
        Assert.Equal(
            ["name_27855ca2", "tier_at_8a9c8950", "code_673094e6", "email_1fe8047c", "touched_ttl_ca6168d6"],
            Samples.Indexes.Select(MongoIndexes.NameOf));
    }

    /// <summary>M7: re-running on a database that matches the declaration does nothing (every replica runs it at every start).</summary>
    [Fact]
    public void A_database_that_matches_the_declaration_needs_nothing()
    {
        var existing = MongoCatalog.Listed(Samples, ttlAsInt32: true);

        Assert.Empty(MongoIndexes.Plan(Samples, existing));
    }

    /// <summary>M7: a TTL change is made in place with collMod, never by a rebuild under the same name (85).</summary>
    [Fact]
    public void A_changed_ttl_is_applied_in_place()
    {
        var existing = MongoCatalog.Listed(Samples);
        existing.Single(i => i["name"] == "touched_ttl_ca6168d6")["expireAfterSeconds"] = 600;

        var actions = MongoIndexes.Plan(Samples, existing);

        Assert.Equal(["collMod touched_ttl_ca6168d6 expireAfterSeconds=3600"], actions.Select(Describe));
        Assert.Equal(MongoCatalog.Listed(Samples).Select(Canonical), MongoCatalog.Apply(existing, actions).Select(Canonical));
    }

    /// <summary>M7: changed keys are a new index built beside the old one, which is dropped after.</summary>
    [Fact]
    public void Changed_keys_are_a_new_index_created_before_the_old_one_is_dropped()
    {
        var existing = MongoCatalog.Listed(Samples);
        var changed = Redeclare(i => i.Asc(x => x.Name).Desc(x => x.Count));

        var actions = MongoIndexes.Plan(changed, existing);

        var created = MongoIndexes.NameOf(changed.Indexes.Single(i => i.Name == "name"));
        Assert.NotEqual("name_27855ca2", created);
        Assert.Equal([$"create {created} {{ \"name\" : 1, \"count\" : -1 }} {{ \"name\" : \"{created}\" }}", "drop name_27855ca2"], actions.Select(Describe));
        Assert.Equal(MongoCatalog.Listed(changed).Select(Canonical), MongoCatalog.Apply(existing, actions).Select(Canonical));
    }

    /// <summary>
    /// M7: changed options on the same keys (here: unique added) are a new index too, never "same name, other options"
    /// (85); MongoDB refuses a second index on the very same keys under another name, so the old one is dropped first.
    /// </summary>
    [Fact]
    public void Changed_options_on_the_same_keys_drop_the_old_index_before_creating_the_new_one()
    {
        var existing = MongoCatalog.Listed(Samples);
        var changed = Redeclare(i => i.Asc(x => x.Name).Unique().WhenPresent());

        var actions = MongoIndexes.Plan(changed, existing);

        var created = MongoIndexes.NameOf(changed.Indexes.Single(i => i.Name == "name"));
        Assert.Equal(
            [
                "drop name_27855ca2",
                $"create {created} {{ \"name\" : 1 }} {{ \"name\" : \"{created}\", \"unique\" : true, \"partialFilterExpression\" : {{ \"name\" : {{ \"$exists\" : true }} }} }}",
            ],
            actions.Select(Describe));
        Assert.Equal(MongoCatalog.Listed(changed).Select(Canonical), MongoCatalog.Apply(existing, actions).Select(Canonical));
    }

    /// <summary>M7 / M16: an index nobody declares any more is dropped; <c>_id_</c> never is.</summary>
    [Fact]
    public void Undeclared_indexes_are_dropped_but_the_id_index_is_kept()
    {
        var existing = MongoCatalog.Listed(Samples);
        existing.Add(new BsonDocument { { "v", 2 }, { "key", new BsonDocument("legacy", 1) }, { "name", "legacy_1" } });
        existing.Add(new BsonDocument { { "v", 2 }, { "key", new BsonDocument("other", -1) }, { "name", "a_manual_one" } });

        var actions = MongoIndexes.Plan(Samples, existing);

        Assert.Equal(["drop a_manual_one", "drop legacy_1"], actions.Select(Describe));
        Assert.Contains(MongoCatalog.Apply(existing, actions), i => i["name"] == "_id_");
    }

    /// <summary>
    /// M7: an existing index with the declared keys and options under another name (a renamed declaration, or an
    /// index the pre-layer code created, e.g. the inbox's <c>ttl</c> on <c>receivedAt</c>) makes createIndexes fail
    /// with "Index already exists with a different name" (85) when it is created before the old one is dropped:
    /// InitializeAsync then fails at every start and the service never becomes ready.
    /// </summary>
    [Fact]
    public void An_equivalent_index_under_another_name_does_not_block_the_declared_one()
    {
        var legacyInbox = new List<BsonDocument>
        {
            IdIndex,
            new() { { "v", 2 }, { "key", new BsonDocument("receivedAt", 1) }, { "name", "ttl" }, { "expireAfterSeconds", 1_209_600 } },
        };

        var actions = MongoIndexes.Plan(PlatformCollections.Inbox, legacyInbox);

        Assert.Equal(MongoCatalog.Listed(PlatformCollections.Inbox).Select(Canonical), MongoCatalog.Apply(legacyInbox, actions).Select(Canonical));
    }

    /// <summary>M7: a renamed declaration (same keys, same options) is the same case as a legacy name.</summary>
    [Fact]
    public void A_renamed_index_declaration_does_not_block_start_up()
    {
        var existing = MongoCatalog.Listed(Samples);
        var renamed = new DocumentCollection<Sample>("samples")
            .Index("by_name", i => i.Asc(x => x.Name))
            .Index("tier_at", i => i.Asc(x => x.Tier).Desc(x => x.At))
            .Index("code", i => i.Asc(x => x.Code).Unique())
            .Index("email", i => i.Asc(x => x.Email).Unique().WhenPresent())
            .Index("touched_ttl", i => i.Asc(x => x.Touched).ExpireAfter(TouchedTtl));

        var actions = MongoIndexes.Plan(renamed, existing);

        Assert.Equal(MongoCatalog.Listed(renamed).Select(Canonical), MongoCatalog.Apply(existing, actions).Select(Canonical));
    }

    /// <summary>M7: a TTL taken out of a declaration must stop deleting documents; a plan that keeps the old TTL loses data silently.</summary>
    [Fact]
    public void A_ttl_removed_from_the_declaration_stops_expiring_documents()
    {
        var existing = MongoCatalog.Listed(Samples);
        var kept = new DocumentCollection<Sample>("samples")
            .Index("name", i => i.Asc(x => x.Name))
            .Index("tier_at", i => i.Asc(x => x.Tier).Desc(x => x.At))
            .Index("code", i => i.Asc(x => x.Code).Unique())
            .Index("email", i => i.Asc(x => x.Email).Unique().WhenPresent())
            .Index("touched_ttl", i => i.Asc(x => x.Touched));

        var after = MongoCatalog.Apply(existing, MongoIndexes.Plan(kept, existing));

        Assert.DoesNotContain(after, i => i.Contains("expireAfterSeconds"));
        Assert.Contains(after, i => i["key"].AsBsonDocument.Equals(new BsonDocument("touched", 1)));
    }

    /// <summary>M7: the platform's own collections (every service has them) build on an empty database and are stable after.</summary>
    [Fact]
    public void The_platform_collections_plan_cleanly_on_an_empty_database_and_then_need_nothing()
    {
        foreach (var collection in PlatformCollections.All)
        {
            var created = MongoCatalog.Apply([IdIndex], MongoIndexes.Plan(collection, [IdIndex]));

            Assert.Equal(MongoCatalog.Listed(collection).Select(Canonical), created.Select(Canonical));
            Assert.Empty(MongoIndexes.Plan(collection, created));
        }
    }

    private static DocumentCollection<Sample> Redeclare(Func<IndexBuilder<Sample>, IndexBuilder<Sample>> name) =>
        new DocumentCollection<Sample>("samples")
            .Index("name", name)
            .Index("tier_at", i => i.Asc(x => x.Tier).Desc(x => x.At))
            .Index("code", i => i.Asc(x => x.Code).Unique())
            .Index("email", i => i.Asc(x => x.Email).Unique().WhenPresent())
            .Index("touched_ttl", i => i.Asc(x => x.Touched).ExpireAfter(TouchedTtl));

    private static string Describe(IndexAction action) => action switch
    {
        CreateIndexAction c => $"create {c.Name} {c.Keys.ToJson(Shell)} {c.Options.ToJson(Shell)}",
        ChangeTtlAction t => $"collMod {t.Name} expireAfterSeconds={t.ExpireAfterSeconds}",
        DropIndexAction d => $"drop {d.Name}",
        _ => action.ToString(),
    };

    /// <summary>An index as a comparable string: name, keys, and the options the server keeps (numbers by value).</summary>
    private static string Canonical(BsonDocument index) =>
        $"{index["name"]} {index["key"].ToJson(Shell)} unique={index.GetValue("unique", false).ToBoolean()} "
        + $"partial={(index.TryGetValue("partialFilterExpression", out var partial) ? partial.ToJson(Shell) : "-")} "
        + $"ttl={(index.TryGetValue("expireAfterSeconds", out var ttl) ? ttl.ToInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}";

    /// <summary>
    /// The index catalog of one collection as a MongoDB 5.0+ server keeps it: names are unique (same name with other
    /// keys: 86, other options: 85); an index's identity is its key pattern with unique, sparse, partial filter and
    /// collation, and creating an identical one under another name fails with 85 ("Index already exists with a
    /// different name", index_catalog_impl.cpp); <c>_id_</c> cannot be dropped; collMod changes a TTL in place.
    /// </summary>
    private static class MongoCatalog
    {
        /// <summary>What listIndexes answers for a collection created exactly as declared.</summary>
        public static List<BsonDocument> Listed(IDocumentCollection collection, bool ttlAsInt32 = false)
        {
            var list = new List<BsonDocument> { IdIndex.DeepClone().AsBsonDocument };
            foreach (var index in collection.Indexes)
            {
                var listed = new BsonDocument { { "v", 2 }, { "key", MongoIndexes.Keys(index) } };
                foreach (var option in MongoIndexes.Options(index))
                {
                    listed[option.Name] = option.Name == "expireAfterSeconds" && ttlAsInt32 ? option.Value.ToInt32() : option.Value;
                }

                list.Add(listed);
            }

            return Sorted(list);
        }

        public static List<BsonDocument> Apply(IReadOnlyList<BsonDocument> existing, IReadOnlyList<IndexAction> actions)
        {
            var indexes = existing.Select(i => i.DeepClone().AsBsonDocument).ToList();
            foreach (var action in actions)
            {
                switch (action)
                {
                    case CreateIndexAction create:
                        var wanted = new BsonDocument { { "v", 2 }, { "key", create.Keys } }.AddRange(create.Options);
                        Assert.Equal(create.Name, wanted["name"].AsString);
                        var sameName = indexes.FirstOrDefault(i => i["name"] == create.Name);
                        if (sameName is not null)
                        {
                            Assert.True(sameName["key"].Equals(create.Keys), $"IndexKeySpecsConflict (86): '{create.Name}' exists with other keys.");
                            Assert.True(Options(sameName) == Options(wanted), $"IndexOptionsConflict (85): '{create.Name}' exists with other options.");
                            break;
                        }

                        var equivalent = indexes.FirstOrDefault(i => Signature(i) == Signature(wanted));
                        Assert.True(equivalent is null, $"IndexOptionsConflict (85): Index already exists with a different name: {equivalent?["name"]} (creating {create.Name}).");
                        indexes.Add(wanted);
                        break;
                    case ChangeTtlAction ttl:
                        var target = indexes.SingleOrDefault(i => i["name"] == ttl.Name);
                        Assert.True(target is not null, $"collMod: index '{ttl.Name}' not found.");
                        target["expireAfterSeconds"] = ttl.ExpireAfterSeconds;
                        break;
                    case DropIndexAction drop:
                        Assert.NotEqual("_id_", drop.Name);
                        indexes.RemoveAll(i => i["name"] == drop.Name);
                        break;
                }
            }

            return Sorted(indexes);
        }

        private static List<BsonDocument> Sorted(List<BsonDocument> indexes) => indexes.OrderBy(i => i["name"].AsString, StringComparer.Ordinal).ToList();

        private static string Signature(BsonDocument index) =>
            $"{index["key"].ToJson(Shell)} unique={index.GetValue("unique", false).ToBoolean()} sparse={index.GetValue("sparse", false).ToBoolean()} "
            + $"partial={index.GetValue("partialFilterExpression", BsonNull.Value).ToJson(Shell)} collation={index.GetValue("collation", BsonNull.Value).ToJson(Shell)}";

        private static string Options(BsonDocument index) =>
            Signature(index) + $" ttl={(index.TryGetValue("expireAfterSeconds", out var ttl) ? ttl.ToInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}";
    }
}
