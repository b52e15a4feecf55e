using System.Linq.Expressions;
using System.Text.Json;

namespace Crm.ServiceDefaults.Storage;

/// <summary>One change of an <see cref="Update{T}"/>.</summary>
public abstract record UpdateOperation(FieldPath Field);

/// <summary>Sets the field (a null value removes it: absent and null are the same).</summary>
public sealed record SetOperation(FieldPath Field, JsonElement Value) : UpdateOperation(Field);

/// <summary>Adds <see cref="By"/> to the number in the field (absent counts as 0).</summary>
public sealed record IncrementOperation(FieldPath Field, long By) : UpdateOperation(Field);

public sealed record UnsetOperation(FieldPath Field) : UpdateOperation(Field);

/// <summary>
/// An atomic change of fields of a document (both stores apply it in one statement): set, increment, unset.
/// Use it for fields that several writers move (counters, leases); a whole-document replace would lose their
/// concurrent changes. Versions move only when the update says so (<c>.Inc(x =&gt; x.Version, 1)</c>).
/// </summary>
public sealed class Update<T>
    where T : class, IDocument
{
    private readonly List<UpdateOperation> _operations = [];

    public IReadOnlyList<UpdateOperation> Operations => _operations;

    public Update<T> Set<TValue>(Expression<Func<T, TValue>> field, TValue value)
    {
        var path = NotId(FieldPath.Of(field));
        _operations.Add(value is null ? new UnsetOperation(path) : new SetOperation(path, DocumentJson.Encode(value, path.Type)));
        return this;
    }

    public Update<T> Inc(Expression<Func<T, int>> field, int by) => Increment(FieldPath.Of(field), by);

    public Update<T> Inc(Expression<Func<T, long>> field, long by) => Increment(FieldPath.Of(field), by);

    public Update<T> Unset<TValue>(Expression<Func<T, TValue>> field)
    {
        _operations.Add(new UnsetOperation(NotId(FieldPath.Of(field))));
        return this;
    }

    private Update<T> Increment(FieldPath path, long by)
    {
        _operations.Add(new IncrementOperation(NotId(path), by));
        return this;
    }

    private FieldPath NotId(FieldPath path)
    {
        if (path.IsId)
        {
            throw new ArgumentException("An update cannot change a document's id.");
        }

        if (_operations.Any(o => o.Field.Path == path.Path || o.Field.Path.StartsWith(path.Path + ".", StringComparison.Ordinal) || path.Path.StartsWith(o.Field.Path + ".", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"'{path}' is changed twice (or with a field it contains) in one update.");
        }

        return path;
    }
}
