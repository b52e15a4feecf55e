using System.Security.Cryptography;
using System.Text;
using MongoDB.Bson;

namespace Crm.ServiceDefaults.Storage.Mongo;

/// <summary>What to do to a collection's indexes to match its declaration.</summary>
public abstract record IndexAction(string Collection);

public sealed record CreateIndexAction(string Collection, string Name, BsonDocument Keys, BsonDocument Options) : IndexAction(Collection);

public sealed record DropIndexAction(string Collection, string Name) : IndexAction(Collection);

/// <summary>A TTL change, made in place with <c>collMod</c> (no rebuild).</summary>
public sealed record ChangeTtlAction(string Collection, string Name, long ExpireAfterSeconds) : IndexAction(Collection);

/// <summary>
/// Index management for MongoDB without crash loops: an index is named <c>{name}_{hash}</c> after its shape (keys,
/// unique, partial, TTL or not), so a changed definition is a new index built beside the old one, and the old one is
/// dropped once the new one exists; a change of the TTL's length is applied in place with <c>collMod</c>; indexes
/// nobody declares are dropped (a service owns its database). An undeclared index on the very keys of an index to
/// create (an older name, or one written by older code) is dropped first: MongoDB refuses a second index on the same
/// keys and options under another name. <see cref="Plan"/> is pure and tested without a server.
/// </summary>
public static class MongoIndexes
{
    public static string NameOf(IndexDefinition index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(index.Shape));
        return $"{index.Name}_{Convert.ToHexStringLower(hash)[..8]}";
    }

    public static BsonDocument Keys(IndexDefinition index)
    {
        var keys = new BsonDocument();
        foreach (var key in index.Keys)
        {
            keys.Add(BsonRenderer.Field(key.Field), key.Descending ? -1 : 1);
        }

        return keys;
    }

    public static BsonDocument Options(IndexDefinition index)
    {
        var options = new BsonDocument("name", NameOf(index));
        if (index.Unique)
        {
            options.Add("unique", true);
        }

        if (index.WhenPresent)
        {
            var partial = new BsonDocument();
            foreach (var field in index.PresentFields)
            {
                partial.Add(BsonRenderer.Field(field), new BsonDocument("$exists", true));
            }

            options.Add("partialFilterExpression", partial);
        }

        if (index.ExpireAfter is { } ttl)
        {
            options.Add("expireAfterSeconds", (long)ttl.TotalSeconds);
        }

        return options;
    }

    /// <summary>The actions that bring <paramref name="existing"/> (the <c>listIndexes</c> answer) to the declaration.</summary>
    public static IReadOnlyList<IndexAction> Plan(IDocumentCollection collection, IReadOnlyList<BsonDocument> existing)
    {
        var actions = new List<IndexAction>();
        var byName = existing.Where(i => i.Contains("name")).ToDictionary(i => i["name"].AsString, StringComparer.Ordinal);
        var declared = collection.Indexes.ToDictionary(NameOf, StringComparer.Ordinal);
        var dropped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, index) in declared)
        {
            if (!byName.TryGetValue(name, out var current))
            {
                var keys = Keys(index);
                foreach (var other in byName.Where(e => e.Key != "_id_" && !declared.ContainsKey(e.Key) && KeysOf(e.Value) == keys && !dropped.Contains(e.Key)).Select(e => e.Key).ToList())
                {
                    actions.Add(new DropIndexAction(collection.Name, other));
                    dropped.Add(other);
                }

                actions.Add(new CreateIndexAction(collection.Name, name, keys, Options(index)));
                continue;
            }

            var wanted = index.ExpireAfter is { } ttl ? (long)ttl.TotalSeconds : (long?)null;
            var actual = current.TryGetValue("expireAfterSeconds", out var seconds) ? seconds.ToInt64() : (long?)null;
            if (wanted != actual && wanted is not null)
            {
                actions.Add(new ChangeTtlAction(collection.Name, name, wanted.Value));
            }
        }

        // Created first, dropped after: a changed index is never missing in between.
        foreach (var name in byName.Keys.Where(n => n != "_id_" && !declared.ContainsKey(n) && !dropped.Contains(n)).Order(StringComparer.Ordinal))
        {
            actions.Add(new DropIndexAction(collection.Name, name));
        }

        return actions;

        static BsonDocument KeysOf(BsonDocument index) => index.TryGetValue("key", out var key) && key.IsBsonDocument ? key.AsBsonDocument : [];
    }
}
