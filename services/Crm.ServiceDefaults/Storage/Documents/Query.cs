using System.Buffers.Text;
using System.Linq.Expressions;
using System.Text;
using System.Text.Json;

namespace Crm.ServiceDefaults.Storage;

/// <summary>A sort key: a field and its direction.</summary>
public sealed record SortKey(FieldPath Field, bool Descending);

/// <summary>
/// A find: filter, sort, limit and a keyset position (<see cref="After"/>: the sort values of the last document of
/// the previous page). The sort always ends with the id (added ascending when not given) so the order is total and
/// a page never repeats or skips a document.
/// </summary>
public sealed record Query<T>
    where T : class, IDocument
{
    private static readonly FieldPath IdField = FieldPath.Of<T, string>(x => x.Id);

    internal Query(DocumentCollection<T> collection, Filter<T> filter)
    {
        Collection = collection;
        Filter = filter;
    }

    public DocumentCollection<T> Collection { get; }

    public Filter<T> Filter { get; init; }

    /// <summary>The sort as given (see <see cref="EffectiveSort"/>).</summary>
    public IReadOnlyList<SortKey> Sort { get; init; } = [];

    public int? Limit { get; init; }

    /// <summary>The values of <see cref="EffectiveSort"/> after which the results start (keyset paging).</summary>
    public IReadOnlyList<JsonElement>? After { get; init; }

    /// <summary>The sort the stores apply: <see cref="Sort"/>, then the id ascending unless the sort names it.</summary>
    public IReadOnlyList<SortKey> EffectiveSort =>
        Sort.Any(s => s.Field.IsId) ? Sort : [.. Sort, new SortKey(IdField, Descending: false)];

    public Query<T> OrderBy<TValue>(Expression<Func<T, TValue>> field) => this with { Sort = [.. Sort, new SortKey(FieldPath.Of(field), false)] };

    public Query<T> OrderByDescending<TValue>(Expression<Func<T, TValue>> field) => this with { Sort = [.. Sort, new SortKey(FieldPath.Of(field), true)] };

    public Query<T> ThenBy<TValue>(Expression<Func<T, TValue>> field) => OrderBy(field);

    public Query<T> ThenByDescending<TValue>(Expression<Func<T, TValue>> field) => OrderByDescending(field);

    public Query<T> Take(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return this with { Limit = limit };
    }

    public Query<T> Where(Filter<T> more) => this with { Filter = Filter & more };

    /// <summary>Starts after <paramref name="document"/> in this query's order.</summary>
    public Query<T> StartAfter(T document) => this with { After = SortValues(document) };

    /// <summary>The opaque cursor of the page that starts after <paramref name="document"/> (base64url of its sort values).</summary>
    public string CursorAfter(T document)
    {
        var values = SortValues(document);
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(values, DocumentJson.Options)));
    }

    /// <summary>
    /// Starts after the position <paramref name="cursor"/> names (from <see cref="CursorAfter"/> of the same query);
    /// false when it is not such a cursor (a bad cursor is the client's error: answer 400).
    /// </summary>
    public bool TryStartAfter(string? cursor, out Query<T> query)
    {
        query = this;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }

        try
        {
            if (cursor.Length > 2000)
            {
                return false;
            }

            using var parsed = JsonDocument.Parse(Base64Url.DecodeFromChars(cursor));
            var sort = EffectiveSort;
            if (parsed.RootElement.ValueKind != JsonValueKind.Array || parsed.RootElement.GetArrayLength() != sort.Count)
            {
                return false;
            }

            var values = new List<JsonElement>(sort.Count);
            var index = 0;
            foreach (var element in parsed.RootElement.EnumerateArray())
            {
                // Round trip through the field's type: only a value that field can hold is accepted.
                var type = sort[index++].Field.Type;
                var value = element.Deserialize(type, DocumentJson.Options);
                if (value is null)
                {
                    return false;
                }

                values.Add(DocumentJson.Encode(value, type));
            }

            query = this with { After = values };
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or NotSupportedException or InvalidOperationException)
        {
            return false;
        }
    }

    private List<JsonElement> SortValues(T document)
    {
        var json = JsonSerializer.SerializeToElement(document, DocumentJson.Options);
        return EffectiveSort.Select(s => Lookup(json, s.Field)).ToList();
    }

    private static JsonElement Lookup(JsonElement json, FieldPath field)
    {
        var current = json;
        foreach (var part in field.Path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                throw new InvalidOperationException($"The sort field '{field}' is absent from the document: keyset paging needs it present.");
            }
        }

        return current.Clone();
    }
}

/// <summary>A page of a list: the items and the cursor of the next page (null on the last).</summary>
public sealed record DocumentPage<T>(IReadOnlyList<T> Items, string? NextCursor);
