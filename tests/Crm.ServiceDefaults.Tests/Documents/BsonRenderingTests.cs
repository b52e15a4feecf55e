using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The exact BSON (shell notation, so types show: <c>NumberLong</c>, <c>ISODate</c>, <c>NumberDecimal</c>) of every
/// operator, a sort, a keyset position, an update and an upsert, without a server; and what an upsert does, applied
/// by MongoDB's update rules, on the insert path and on the update path.
/// </summary>
public sealed class BsonRenderingTests
{
    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.Shell };

    public static TheoryData<string, Filter<Sample>, string> Operators => new()
    {
        { "eq", Filter<Sample>.Eq(x => x.Name, "ana"), "{ \"name\" : \"ana\" }" },
        { "eq (int)", Filter<Sample>.Eq(x => x.Count, 3), "{ \"count\" : 3 }" },
        { "eq (bool)", Filter<Sample>.Eq(x => x.Active, true), "{ \"active\" : true }" },
        { "eq (id)", Filter<Sample>.Eq(x => x.Id, "s-1"), "{ \"_id\" : \"s-1\" }" },
        { "eq (nested)", Filter<Sample>.Eq(x => x.Home!.City, "Porto"), "{ \"home.city\" : \"Porto\" }" },
        { "eq null", Filter<Sample>.Eq(x => x.Note, null), "{ \"note\" : null }" },
        { "ne", Filter<Sample>.Ne(x => x.Note, "x"), "{ \"note\" : { \"$ne\" : \"x\" } }" },
        { "ne null", Filter<Sample>.Ne(x => x.Email, null), "{ \"email\" : { \"$exists\" : true } }" },
        { "gt (long)", Filter<Sample>.Gt(x => x.Big, 9_007_199_254_740_993), "{ \"big\" : { \"$gt\" : NumberLong(\"9007199254740993\") } }" },
        { "gt (small long)", Filter<Sample>.Gt(x => x.Big, 5L), "{ \"big\" : { \"$gt\" : NumberLong(5) } }" },
        { "gte (time)", Filter<Sample>.Gte(x => x.At, T0), "{ \"at\" : { \"$gte\" : ISODate(\"2026-11-22T12:00:00.123Z\") } }" },
        { "lt (decimal)", Filter<Sample>.Lt(x => x.Amount, 2.5m), "{ \"amount\" : { \"$lt\" : NumberDecimal(\"2.5\") } }" },
        { "lte (optional time)", Filter<Sample>.Lte(x => x.Touched, T0), "{ \"touched\" : { \"$lte\" : ISODate(\"2026-11-22T12:00:00.123Z\") } }" },
        { "in (enum)", Filter<Sample>.In(x => x.Tier, [Tier.Gold, Tier.Bronze]), "{ \"tier\" : { \"$in\" : [\"gold\", \"bronze\"] } }" },
        { "in (times)", Filter<Sample>.In(x => x.At, [T0]), "{ \"at\" : { \"$in\" : [ISODate(\"2026-11-22T12:00:00.123Z\")] } }" },
        { "not in", Filter<Sample>.NotIn(x => x.Count, [1, 2]), "{ \"count\" : { \"$nin\" : [1, 2] } }" },
        { "exists", Filter<Sample>.Exists(x => x.Email), "{ \"email\" : { \"$exists\" : true } }" },
        { "missing", Filter<Sample>.Missing(x => x.Home!.Zip), "{ \"home.zip\" : null }" },
        { "contains", Filter<Sample>.Contains(x => x.Tags, "vip"), "{ \"tags\" : \"vip\" }" },
        {
            "and / or",
            (Filter<Sample>.Eq(x => x.Active, true) | Filter<Sample>.Gt(x => x.Count, 2)) & Filter<Sample>.Eq(x => x.Name, "a"),
            "{ \"$and\" : [{ \"$or\" : [{ \"active\" : true }, { \"count\" : { \"$gt\" : 2 } }] }, { \"name\" : \"a\" }] }"
        },
        { "all", Filter<Sample>.All, "{ }" },
    };

    [Theory]
    [MemberData(nameof(Operators))]
    public void Each_operator_renders_to_its_bson(string name, Filter<Sample> filter, string bson)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(bson, BsonRenderer.Filter(filter.Node).ToJson(Shell));
    }

    [Fact]
    public void A_sort_ends_with_the_id()
    {
        var query = Samples.All().OrderBy(x => x.Tier).ThenByDescending(x => x.At);

        Assert.Equal("{ \"tier\" : 1, \"at\" : -1, \"_id\" : 1 }", BsonRenderer.Sort(query.EffectiveSort).ToJson(Shell));
        Assert.Equal("{ \"at\" : -1, \"_id\" : -1 }", BsonRenderer.Sort(Samples.All().OrderByDescending(x => x.At).ThenByDescending(x => x.Id).EffectiveSort).ToJson(Shell));
    }

    [Fact]
    public void A_keyset_position_is_one_branch_per_sort_key_in_its_direction()
    {
        var query = Samples.Find(Filter<Sample>.Eq(x => x.Active, true)).OrderBy(x => x.Tier).ThenByDescending(x => x.At).StartAfter(Full("s-1"));
        var alone = Samples.All().OrderBy(x => x.Name).StartAfter(Full("s-1"));

        Assert.Equal(
            "{ \"$and\" : [{ \"active\" : true }, { \"$or\" : [{ \"tier\" : { \"$gt\" : \"bronze\" } }, "
            + "{ \"tier\" : \"bronze\", \"at\" : { \"$lt\" : ISODate(\"2026-11-22T12:00:00.123Z\") } }, "
            + "{ \"tier\" : \"bronze\", \"at\" : ISODate(\"2026-11-22T12:00:00.123Z\"), \"_id\" : { \"$gt\" : \"s-1\" } }] }] }",
            BsonRenderer.Filter(query.Filter.Node, query.EffectiveSort, query.After).ToJson(Shell));
        Assert.Equal(
            "{ \"$or\" : [{ \"name\" : { \"$gt\" : \"Ana Lima\" } }, { \"name\" : \"Ana Lima\", \"_id\" : { \"$gt\" : \"s-1\" } }] }",
            BsonRenderer.Filter(alone.Filter.Node, alone.EffectiveSort, alone.After).ToJson(Shell));
    }

    [Fact]
    public void An_update_groups_its_changes_by_operator_and_keeps_the_field_types()
    {
        var update = new Update<Sample>()
            .Set(x => x.Name, "b")
            .Set(x => x.At, T0)
            .Inc(x => x.Count, 2)
            .Inc(x => x.Version, 1L)
            .Unset(x => x.Note)
            .Set(x => x.Home!.City, "Porto")
            .Set(x => x.Attributes, new Dictionary<string, string> { ["a.b"] = "c" })
            .Set(x => x.Amount, 1.25m);

        Assert.Equal(
            "{ \"$set\" : { \"name\" : \"b\", \"at\" : ISODate(\"2026-11-22T12:00:00.123Z\"), \"home.city\" : \"Porto\", \"attributes\" : [{ \"k\" : \"a.b\", \"v\" : \"c\" }], \"amount\" : NumberDecimal(\"1.25\") }, "
            + "\"$inc\" : { \"count\" : 2, \"version\" : NumberLong(1) }, \"$unset\" : { \"note\" : \"\" } }",
            BsonRenderer.Update(update.Operations).ToJson(Shell));
    }

    [Fact]
    public void An_upsert_sets_the_seeds_other_fields_only_on_insert()
    {
        var seed = Minimal("s-1") with { Count = 0, Note = "seed" };
        var update = new Update<Sample>().Inc(x => x.Count, 5).Set(x => x.Name, "n");

        Assert.Equal(
            "{ \"$set\" : { \"name\" : \"n\" }, \"$inc\" : { \"count\" : 5 }, \"$setOnInsert\" : { \"version\" : NumberLong(1), \"big\" : NumberLong(0), \"active\" : false, "
            + "\"tier\" : \"silver\", \"at\" : ISODate(\"2026-11-22T12:00:00.123Z\"), \"note\" : \"seed\", \"tags\" : [], \"attributes\" : [], \"amount\" : NumberDecimal(\"0\"), \"code\" : \"code-s-1\" } }",
            BsonRenderer.Upsert(seed, update.Operations).ToJson(Shell));
    }

    /// <summary>
    /// What the SQLite store does and <see cref="UpsertWrite"/> promises ("inserts the seed with the update
    /// applied"), checked on the rendered update with MongoDB's update rules: an increment starts from the seed's
    /// 0 (a seed with another value there is refused), and a nested set keeps the seed's other nested fields.
    /// </summary>
    [Fact]
    public void The_upserts_insert_path_stores_the_seed_with_the_update_applied()
    {
        var seed = Minimal("s-1") with { Count = 0, Version = 0, Home = new Address("Lisboa", "1000-001"), Note = "seed", Tags = ["seed"] };
        var update = new Update<Sample>().Inc(x => x.Count, 5).Inc(x => x.Version, 1L).Set(x => x.Home!.City, "Porto").Unset(x => x.Note).Set(x => x.Name, "n");

        var inserted = MongoUpdate.Apply(null, seed.Id, BsonRenderer.Upsert(seed, update.Operations));

        AssertSame(
            seed with { Count = 5, Version = 1, Home = new Address("Porto", "1000-001"), Note = null, Name = "n" },
            BsonDocuments.FromBson<Sample>(inserted));
    }

    [Fact]
    public void The_upserts_update_path_changes_only_what_the_update_names()
    {
        var stored = Full("s-1");
        var seed = Minimal("s-1", "seed") with { Count = 0, Note = "seed note" };
        var update = new Update<Sample>().Inc(x => x.Count, 1).Set(x => x.Home!.City, "Porto").Unset(x => x.Email);

        var updated = MongoUpdate.Apply(BsonDocuments.ToBson(stored), seed.Id, BsonRenderer.Upsert(seed, update.Operations));

        AssertSame(stored with { Count = stored.Count + 1, Home = stored.Home! with { City = "Porto" }, Email = null }, BsonDocuments.FromBson<Sample>(updated));
    }

    [Fact]
    public void An_update_without_changes_is_refused()
    {
        Assert.Throws<ArgumentException>(() => BsonRenderer.Update([]));
    }

    /// <summary>
    /// MongoDB's classic update operators, as the server applies them to one document: <c>$setOnInsert</c> only when
    /// inserting (then the document starts from the query's <c>_id</c>), <c>$set</c> / <c>$inc</c> / <c>$unset</c>
    /// on dotted paths, and "would create a conflict" when one path is another's prefix.
    /// </summary>
    private static class MongoUpdate
    {
        public static BsonDocument Apply(BsonDocument? stored, string id, BsonDocument update)
        {
            var paths = update.Elements.SelectMany(op => op.Value.AsBsonDocument.Names).ToList();
            for (var i = 0; i < paths.Count; i++)
            {
                for (var j = 0; j < paths.Count; j++)
                {
                    var clash = i != j && (paths[i] == paths[j] || paths[j].StartsWith(paths[i] + ".", StringComparison.Ordinal));
                    Assert.False(clash, $"MongoDB refuses this update: updating the path '{paths[j]}' would create a conflict at '{paths[i]}'.");
                }
            }

            var inserting = stored is null;
            var document = stored?.DeepClone().AsBsonDocument ?? new BsonDocument("_id", id);
            foreach (var op in update)
            {
                foreach (var change in op.Value.AsBsonDocument)
                {
                    switch (op.Name)
                    {
                        case "$setOnInsert" when inserting:
                        case "$set":
                            Set(document, change.Name, change.Value);
                            break;
                        case "$setOnInsert":
                            break;
                        case "$inc":
                            Set(document, change.Name, Add(Get(document, change.Name), change.Value));
                            break;
                        case "$unset":
                            Unset(document, change.Name);
                            break;
                        default:
                            throw new NotSupportedException($"The test's model of MongoDB does not know {op.Name}.");
                    }
                }
            }

            return document;
        }

        private static BsonValue? Get(BsonDocument document, string path)
        {
            BsonValue current = document;
            foreach (var part in path.Split('.'))
            {
                if (current is not BsonDocument parent || !parent.TryGetValue(part, out current))
                {
                    return null;
                }
            }

            return current;
        }

        private static void Set(BsonDocument document, string path, BsonValue value)
        {
            var parts = path.Split('.');
            var parent = document;
            foreach (var part in parts[..^1])
            {
                if (!parent.TryGetValue(part, out var child))
                {
                    child = new BsonDocument();
                    parent[part] = child;
                }

                parent = child.AsBsonDocument;
            }

            parent[parts[^1]] = value;
        }

        private static void Unset(BsonDocument document, string path)
        {
            var parts = path.Split('.');
            var parent = parts.Length == 1 ? document : Get(document, string.Join('.', parts[..^1])) as BsonDocument;
            parent?.Remove(parts[^1]);
        }

        private static BsonValue Add(BsonValue? current, BsonValue by) => (current, by) switch
        {
            (null, _) => by,
            (BsonInt32 a, BsonInt32 b) => new BsonInt32(a.Value + b.Value),
            _ => new BsonInt64(current.ToInt64() + by.ToInt64()),
        };
    }
}
