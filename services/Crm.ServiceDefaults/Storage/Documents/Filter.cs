using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Text.Json;

namespace Crm.ServiceDefaults.Storage;

/// <summary>Comparison operators of the filter language.</summary>
public enum FilterOperator
{
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// <summary>A filter without its document type, as the renderers see it. Values are encoded as they are stored.</summary>
public abstract record FilterNode
{
    public static readonly FilterNode All = new AllFilter();
}

public sealed record AllFilter : FilterNode;

/// <summary><c>field op value</c>; value is never JSON null (null comparisons become <see cref="ExistsFilter"/>).</summary>
public sealed record CompareFilter(FieldPath Field, FilterOperator Operator, JsonElement Value) : FilterNode;

/// <summary><c>field in (values)</c>, or not in when <see cref="Negated"/>.</summary>
public sealed record InFilter(FieldPath Field, IReadOnlyList<JsonElement> Values, bool Negated) : FilterNode;

/// <summary>The field is present (not absent, not null), or absent when <see cref="Present"/> is false.</summary>
public sealed record ExistsFilter(FieldPath Field, bool Present) : FilterNode;

/// <summary>The array field holds <see cref="Value"/> (of <see cref="ElementType"/>).</summary>
public sealed record ContainsFilter(FieldPath Field, Type ElementType, JsonElement Value) : FilterNode;

public sealed record AndFilter(IReadOnlyList<FilterNode> Parts) : FilterNode;

public sealed record OrFilter(IReadOnlyList<FilterNode> Parts) : FilterNode;

/// <summary>
/// The filter language both stores render (to SQL over the JSON document, and to BSON): comparisons, in, exists,
/// array-contains, and / or. Fields are member expressions checked against the stored JSON; values are encoded
/// the way the document stores them. Semantics are MongoDB's and SQLite follows: <c>Eq(f, null)</c> and
/// <c>Missing(f)</c> match an absent field; <c>Ne(f, v)</c> matches an absent field too.
/// </summary>
[SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "Filter<Lead>.Eq(x => x.ContactId, id): the document type is named once and every lambda is typed by it.")]
public sealed class Filter<T>
    where T : class, IDocument
{
    private Filter(FilterNode node) => Node = node;

    public FilterNode Node { get; }

    public static Filter<T> All { get; } = new(FilterNode.All);

    public static Filter<T> Eq<TValue>(Expression<Func<T, TValue>> field, TValue value) => Compare(field, FilterOperator.Eq, value);

    public static Filter<T> Ne<TValue>(Expression<Func<T, TValue>> field, TValue value) => Compare(field, FilterOperator.Ne, value);

    public static Filter<T> Gt<TValue>(Expression<Func<T, TValue>> field, TValue value) => Compare(field, FilterOperator.Gt, value);

    public static Filter<T> Gte<TValue>(Expression<Func<T, TValue>> field, TValue value) => Compare(field, FilterOperator.Gte, value);

    public static Filter<T> Lt<TValue>(Expression<Func<T, TValue>> field, TValue value) => Compare(field, FilterOperator.Lt, value);

    public static Filter<T> Lte<TValue>(Expression<Func<T, TValue>> field, TValue value) => Compare(field, FilterOperator.Lte, value);

    public static Filter<T> In<TValue>(Expression<Func<T, TValue>> field, IEnumerable<TValue> values) => Members(field, values, negated: false);

    public static Filter<T> NotIn<TValue>(Expression<Func<T, TValue>> field, IEnumerable<TValue> values) => Members(field, values, negated: true);

    /// <summary>The field is present and not null.</summary>
    public static Filter<T> Exists<TValue>(Expression<Func<T, TValue>> field) => new(new ExistsFilter(FieldPath.Of(field), Present: true));

    /// <summary>The field is absent (or null, which the stores do not keep).</summary>
    public static Filter<T> Missing<TValue>(Expression<Func<T, TValue>> field) => new(new ExistsFilter(FieldPath.Of(field), Present: false));

    /// <summary>The array field holds <paramref name="value"/>.</summary>
    public static Filter<T> Contains<TElement>(Expression<Func<T, IEnumerable<TElement>>> field, TElement value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(new ContainsFilter(FieldPath.Of(field), typeof(TElement), DocumentJson.Encode(value, typeof(TElement))));
    }

    public static Filter<T> And(params Filter<T>[] parts) => new(Combine(parts.Select(p => p.Node), isAnd: true));

    public static Filter<T> Or(params Filter<T>[] parts) => new(Combine(parts.Select(p => p.Node), isAnd: false));

    public static Filter<T> operator &(Filter<T> left, Filter<T> right) => And(left, right);

    public static Filter<T> operator |(Filter<T> left, Filter<T> right) => Or(left, right);

    public Filter<T> BitwiseAnd(Filter<T> other) => this & other;

    public Filter<T> BitwiseOr(Filter<T> other) => this | other;

    public override string ToString() => Node.ToString();

    private static Filter<T> Compare<TValue>(Expression<Func<T, TValue>> field, FilterOperator op, TValue value)
    {
        var path = FieldPath.Of(field);
        if (value is null)
        {
            return op switch
            {
                FilterOperator.Eq => new(new ExistsFilter(path, Present: false)),
                FilterOperator.Ne => new(new ExistsFilter(path, Present: true)),
                _ => throw new ArgumentException($"'{path}' cannot be compared with null by {op}.", nameof(value)),
            };
        }

        return new(new CompareFilter(path, op, DocumentJson.Encode(value, path.Type)));
    }

    private static Filter<T> Members<TValue>(Expression<Func<T, TValue>> field, IEnumerable<TValue> values, bool negated)
    {
        var path = FieldPath.Of(field);
        var encoded = values.Select(v => v is null
            ? throw new ArgumentException($"'{path}' in (...) cannot hold null.", nameof(values))
            : DocumentJson.Encode(v, path.Type)).ToList();
        return new(new InFilter(path, encoded, negated));
    }

    private static FilterNode Combine(IEnumerable<FilterNode> parts, bool isAnd)
    {
        var flat = new List<FilterNode>();
        foreach (var part in parts)
        {
            switch (part)
            {
                case AllFilter when isAnd:
                    continue;
                case AllFilter:
                    return FilterNode.All;
                case AndFilter both when isAnd:
                    flat.AddRange(both.Parts);
                    break;
                case OrFilter either when !isAnd:
                    flat.AddRange(either.Parts);
                    break;
                default:
                    flat.Add(part);
                    break;
            }
        }

        return flat.Count switch
        {
            0 => FilterNode.All,
            1 => flat[0],
            _ => isAnd ? new AndFilter(flat) : new OrFilter(flat),
        };
    }
}
