using System.Linq.Expressions;

namespace Crm.ServiceDefaults.Storage;

/// <summary>A collection as the store sees it, without its document type: name, document type and indexes.</summary>
public interface IDocumentCollection
{
    /// <summary>Table (SQLite) and collection (MongoDB) name: lower-case, digits and underscores.</summary>
    string Name { get; }

    Type DocumentType { get; }

    IReadOnlyList<IndexDefinition> Indexes { get; }
}

/// <summary>
/// A collection of <typeparamref name="T"/> documents with its indexes, declared once per service (usually in the
/// feature folder that owns the documents). Both backends create the same indexes from it: SQLite as indexes on
/// generated columns over the JSON document, MongoDB as native indexes.
/// </summary>
/// <example>
/// <code>
/// public static readonly DocumentCollection&lt;Message&gt; Messages = new DocumentCollection&lt;Message&gt;("messages")
///     .Index("lead_template", i =&gt; i.Asc(m =&gt; m.LeadId).Asc(m =&gt; m.Template).Unique().WhenPresent())
///     .Index("contact_sent", i =&gt; i.Asc(m =&gt; m.ContactId).Desc(m =&gt; m.SentAt).Desc(m =&gt; m.Id));
/// </code>
/// </example>
public sealed class DocumentCollection<T> : IDocumentCollection
    where T : class, IDocument
{
    private readonly List<IndexDefinition> _indexes = [];

    public DocumentCollection(string name)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_') || !char.IsAsciiLetterLower(name[0]))
        {
            throw new ArgumentException($"A collection name is lower-case letters, digits and underscores, starting with a letter: '{name}'.", nameof(name));
        }

        Name = name;
    }

    public string Name { get; }

    public Type DocumentType => typeof(T);

    public IReadOnlyList<IndexDefinition> Indexes => _indexes;

    /// <summary>Declares an index. Names are unique per collection and stable: the name identifies the index in both stores.</summary>
    public DocumentCollection<T> Index(string name, Func<IndexBuilder<T>, IndexBuilder<T>> define)
    {
        if (_indexes.Any(i => i.Name == name))
        {
            throw new ArgumentException($"Collection '{Name}' declares index '{name}' twice.", nameof(name));
        }

        _indexes.Add(define(new IndexBuilder<T>(name)).Build());
        return this;
    }

    /// <summary>A query over this collection: <c>Find(filter).OrderBy(...).Take(n)</c>.</summary>
    public Query<T> Find(Filter<T> filter) => new(this, filter);

    /// <summary>Every document (sort and limit it before running it on a big collection).</summary>
    public Query<T> All() => new(this, Filter<T>.All);

    public override string ToString() => Name;
}

/// <summary>One key of an index.</summary>
public sealed record IndexKey(FieldPath Field, bool Descending);

/// <summary>
/// An index: keys in order; <see cref="Unique"/>; <see cref="PresentFields"/> (partial: only documents where these
/// fields are present are indexed, so an absent optional field never collides, and a query that compares the
/// field to a value can use the index); <see cref="ExpireAfter"/> (TTL on a single time key: MongoDB deletes expired
/// documents itself, SQLite has them pruned by the platform).
/// </summary>
public sealed record IndexDefinition(string Name, IReadOnlyList<IndexKey> Keys, bool Unique, IReadOnlyList<FieldPath> PresentFields, TimeSpan? ExpireAfter)
{
    /// <summary>A partial index (see <see cref="PresentFields"/>).</summary>
    public bool WhenPresent => PresentFields.Count > 0;

    /// <summary>What makes two definitions the same index, apart from the TTL (which both stores change in place).</summary>
    public string Shape =>
        string.Join(",", Keys.Select(k => k.Field.Path + (k.Descending ? ":-1" : ":1")))
        + (Unique ? "|unique" : string.Empty)
        + (ExpireAfter is null ? string.Empty : "|ttl")
        + (!WhenPresent ? string.Empty
            : PresentFields.Select(f => f.Path).SequenceEqual(Keys.Where(k => !k.Field.IsId).Select(k => k.Field.Path)) ? "|when-present"
            : "|when-present:" + string.Join(",", PresentFields.Select(f => f.Path)));
}

public sealed class IndexBuilder<T>
    where T : class, IDocument
{
    private readonly string _name;
    private readonly List<IndexKey> _keys = [];
    private readonly List<FieldPath> _present = [];
    private bool _unique;
    private bool _whenPresent;
    private TimeSpan? _expireAfter;

    internal IndexBuilder(string name)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException($"An index name is lower-case letters, digits and underscores: '{name}'.", nameof(name));
        }

        _name = name;
    }

    public IndexBuilder<T> Asc<TValue>(Expression<Func<T, TValue>> field)
    {
        _keys.Add(new IndexKey(FieldPath.Of(field), Descending: false));
        return this;
    }

    public IndexBuilder<T> Desc<TValue>(Expression<Func<T, TValue>> field)
    {
        _keys.Add(new IndexKey(FieldPath.Of(field), Descending: true));
        return this;
    }

    public IndexBuilder<T> Unique()
    {
        _unique = true;
        return this;
    }

    /// <summary>Only documents that have every key field (not absent, not null) are indexed.</summary>
    public IndexBuilder<T> WhenPresent()
    {
        _whenPresent = true;
        return this;
    }

    /// <summary>
    /// Only documents that have <paramref name="field"/> (an optional key) are indexed; the other keys may be always
    /// present. A query comparing this field to a value implies the condition, so both stores can use the index.
    /// </summary>
    public IndexBuilder<T> WhenPresent<TValue>(Expression<Func<T, TValue>> field)
    {
        _present.Add(FieldPath.Of(field));
        return this;
    }

    /// <summary>Documents expire <paramref name="after"/> the time in the (single, time-typed) key.</summary>
    public IndexBuilder<T> ExpireAfter(TimeSpan after)
    {
        if (after <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(after), after, "A TTL must be positive.");
        }

        _expireAfter = after;
        return this;
    }

    internal IndexDefinition Build()
    {
        if (_keys.Count == 0)
        {
            throw new InvalidOperationException($"Index '{_name}' has no keys.");
        }

        if (_expireAfter is not null && (_keys.Count != 1 || !_keys[0].Field.IsTime))
        {
            throw new InvalidOperationException($"TTL index '{_name}' must have exactly one key, of a time type.");
        }

        if (_keys.Any(k => k.Field.IsId) && _keys.Count == 1)
        {
            throw new InvalidOperationException($"Index '{_name}' is on the id alone, which both stores index already.");
        }

        var present = _whenPresent ? _keys.Where(k => !k.Field.IsId).Select(k => k.Field).ToList() : _present.Distinct().ToList();
        if (present.Any(p => _keys.All(k => k.Field.Path != p.Path)))
        {
            throw new InvalidOperationException($"Index '{_name}': a field named in WhenPresent must be one of its keys.");
        }

        // MongoDB indexes an absent field as null (so a second document without it collides), SQLite does not (NULLs are
        // distinct): a unique index over an optional key only means the same on both when absent values are left out.
        var uncovered = _keys.Where(k => k.Field.IsOptional && present.All(p => p.Path != k.Field.Path)).Select(k => k.Field.Path).ToList();
        if (_unique && uncovered.Count > 0)
        {
            throw new InvalidOperationException($"Unique index '{_name}' has optional keys ({string.Join(", ", uncovered)}): name them in WhenPresent(...) so documents without them are not indexed, and both stores agree.");
        }

        return new IndexDefinition(_name, _keys.ToList(), _unique, present, _expireAfter);
    }
}
