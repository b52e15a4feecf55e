using System.Text.Json;
using MongoDB.Bson;

namespace Crm.ServiceDefaults.Storage.Mongo;

/// <summary>
/// Renders the document layer's filters, sorts and updates to BSON. Values are converted with the field's .NET
/// type (<see cref="BsonDocuments"/>), so a time is compared as a BSON date. <c>Missing(f)</c> renders as
/// <c>{ f: null }</c> (absent or null: the stores never keep nulls) so an index on <c>f</c> serves it.
/// </summary>
public static class BsonRenderer
{
    public static string Field(FieldPath field) => field.IsId ? "_id" : field.Path;

    public static BsonValue Value(FieldPath field, JsonElement value) => BsonDocuments.ToBson(value, field.Type);

    public static BsonDocument Filter(FilterNode filter) => filter switch
    {
        AllFilter => [],
        CompareFilter { Operator: FilterOperator.Eq } c => new BsonDocument(Field(c.Field), Value(c.Field, c.Value)),
        CompareFilter c => new BsonDocument(Field(c.Field), new BsonDocument(Operator(c.Operator), Value(c.Field, c.Value))),
        InFilter i => new BsonDocument(Field(i.Field), new BsonDocument(i.Negated ? "$nin" : "$in", new BsonArray(i.Values.Select(v => Value(i.Field, v))))),
        ExistsFilter { Present: true } e => new BsonDocument(Field(e.Field), new BsonDocument("$exists", true)),
        ExistsFilter e => new BsonDocument(Field(e.Field), BsonNull.Value),
        ContainsFilter c => new BsonDocument(Field(c.Field), BsonDocuments.ToBson(c.Value, c.ElementType)),
        AndFilter a => new BsonDocument("$and", new BsonArray(a.Parts.Select(Filter))),
        OrFilter o => new BsonDocument("$or", new BsonArray(o.Parts.Select(Filter))),
        _ => throw new NotSupportedException(filter.GetType().Name),
    };

    /// <summary>The filter, and after the keyset position when given.</summary>
    public static BsonDocument Filter(FilterNode filter, IReadOnlyList<SortKey> sort, IReadOnlyList<JsonElement>? after)
    {
        var main = Filter(filter);
        if (after is null)
        {
            return main;
        }

        var keyset = Keyset(sort, after);
        return main.ElementCount == 0 ? keyset : new BsonDocument("$and", new BsonArray { main, keyset });
    }

    public static BsonDocument Sort(IReadOnlyList<SortKey> sort)
    {
        var document = new BsonDocument();
        foreach (var key in sort)
        {
            document.Add(Field(key.Field), key.Descending ? -1 : 1);
        }

        return document;
    }

    public static BsonDocument Update(IReadOnlyList<UpdateOperation> update)
    {
        if (update.Count == 0)
        {
            throw new ArgumentException("An update needs at least one change.", nameof(update));
        }

        var set = new BsonDocument();
        var inc = new BsonDocument();
        var unset = new BsonDocument();
        foreach (var operation in update)
        {
            switch (operation)
            {
                case SetOperation s:
                    set.Add(Field(s.Field), Value(s.Field, s.Value));
                    break;
                case IncrementOperation i:
                    inc.Add(Field(i.Field), Increment(i));
                    break;
                case UnsetOperation u:
                    unset.Add(Field(u.Field), string.Empty);
                    break;
            }
        }

        var document = new BsonDocument();
        if (set.ElementCount > 0)
        {
            document.Add("$set", set);
        }

        if (inc.ElementCount > 0)
        {
            document.Add("$inc", inc);
        }

        if (unset.ElementCount > 0)
        {
            document.Add("$unset", unset);
        }

        return document;
    }

    /// <summary>
    /// The update of an upsert: on insert, every leaf of the seed the update does not touch (dotted paths, so a nested
    /// set keeps the seed's other nested fields), then the update's changes. An increment starts from the seed's 0
    /// (<see cref="Write.Upsert{T}"/> refuses a seed with another value there).
    /// </summary>
    public static BsonDocument Upsert(IDocument seed, IReadOnlyList<UpdateOperation> update)
    {
        var document = Update(update);
        var touched = update.Select(u => u.Field.Path).ToList();
        var onInsert = new BsonDocument();
        foreach (var (path, value) in Leaves(BsonDocuments.ToBson(seed), prefix: null))
        {
            var conflicts = touched.Any(t => t == path || t.StartsWith(path + ".", StringComparison.Ordinal) || path.StartsWith(t + ".", StringComparison.Ordinal));
            if (path != "_id" && !conflicts)
            {
                onInsert.Add(path, value);
            }
        }

        if (onInsert.ElementCount > 0)
        {
            document.Add("$setOnInsert", onInsert);
        }

        return document;
    }

    private static IEnumerable<(string Path, BsonValue Value)> Leaves(BsonDocument document, string? prefix)
    {
        foreach (var element in document)
        {
            var path = prefix is null ? element.Name : $"{prefix}.{element.Name}";
            if (element.Value is BsonDocument nested && nested.ElementCount > 0)
            {
                foreach (var leaf in Leaves(nested, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return (path, element.Value);
            }
        }
    }

    private static BsonValue Increment(IncrementOperation operation) =>
        (Nullable.GetUnderlyingType(operation.Field.Type) ?? operation.Field.Type) == typeof(int)
            ? new BsonInt32(checked((int)operation.By))
            : new BsonInt64(operation.By);

    private static string Operator(FilterOperator op) => op switch
    {
        FilterOperator.Ne => "$ne",
        FilterOperator.Gt => "$gt",
        FilterOperator.Gte => "$gte",
        FilterOperator.Lt => "$lt",
        FilterOperator.Lte => "$lte",
        _ => throw new NotSupportedException(op.ToString()),
    };

    private static BsonDocument Keyset(IReadOnlyList<SortKey> sort, IReadOnlyList<JsonElement> after)
    {
        if (sort.Count != after.Count)
        {
            throw new ArgumentException("A keyset position needs one value per sort key.", nameof(after));
        }

        var branches = new BsonArray();
        for (var i = 0; i < sort.Count; i++)
        {
            var branch = new BsonDocument();
            for (var j = 0; j < i; j++)
            {
                branch.Add(Field(sort[j].Field), Value(sort[j].Field, after[j]));
            }

            branch.Add(Field(sort[i].Field), new BsonDocument(sort[i].Descending ? "$lt" : "$gt", Value(sort[i].Field, after[i])));
            branches.Add(branch);
        }

        return branches.Count == 1 ? branches[0].AsBsonDocument : new BsonDocument("$or", branches);
    }
}
