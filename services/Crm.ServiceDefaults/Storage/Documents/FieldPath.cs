using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// A field of a document as both stores name it: the JSON path (<c>contactId</c>, <c>owner.id</c>) and the .NET
/// type of its value. Resolved from a member expression through the same JSON contract the documents are written
/// with, so a query can only name a field that is really stored.
/// </summary>
public sealed class FieldPath : IEquatable<FieldPath>
{
    private static readonly ConcurrentDictionary<string, FieldPath> Cache = new(StringComparer.Ordinal);

    private FieldPath(string path, Type type, Type root, bool isOptional)
    {
        Path = path;
        Type = type;
        Root = root;
        IsOptional = isOptional;
    }

    /// <summary>Dotted JSON path, e.g. <c>contactId</c>; the document id is <c>id</c>.</summary>
    public string Path { get; }

    /// <summary>The .NET type of the value.</summary>
    public Type Type { get; }

    /// <summary>The document type the path starts from.</summary>
    public Type Root { get; }

    public bool IsId => Path == "id";

    /// <summary>The value may be absent: a nullable type on the way (<c>string?</c>, <c>DateTimeOffset?</c>, a nullable parent).</summary>
    public bool IsOptional { get; }

    /// <summary>The value's type without <see cref="Nullable{T}"/>.</summary>
    public Type ValueType => Nullable.GetUnderlyingType(Type) ?? Type;

    public bool IsTime => ValueType == typeof(DateTimeOffset) || ValueType == typeof(DateTime);

    public static FieldPath Of<T, TValue>(Expression<Func<T, TValue>> field) => Of(field, typeof(T));

    public static FieldPath Of(LambdaExpression field, Type root)
    {
        var members = new List<MemberInfo>();
        var body = Unwrap(field.Body);
        while (body is MemberExpression member)
        {
            members.Add(member.Member);
            body = Unwrap(member.Expression);
        }

        if (body is not ParameterExpression || members.Count == 0)
        {
            throw new ArgumentException($"A field is a chain of properties of the document, like x => x.Owner.Id; not '{field}'.", nameof(field));
        }

        members.Reverse();
        var key = root.FullName + ":" + string.Join(".", members.Select(m => m.Name));
        return Cache.GetOrAdd(key, _ => Resolve(root, members));
    }

    private static FieldPath Resolve(Type root, List<MemberInfo> members)
    {
        var names = new List<string>(members.Count);
        var type = root;
        var optional = false;
        foreach (var member in members)
        {
            var info = DocumentJson.Options.GetTypeInfo(type);
            if (info.Kind != JsonTypeInfoKind.Object)
            {
                throw new ArgumentException($"'{string.Join(".", names)}' of {root.Name} is not an object: a query cannot look inside it.");
            }

            // Only members the document's JSON writes ([JsonIgnore] ones have no getter in the contract).
            var written = info.Properties.Where(p => p.Get is not null && p.AttributeProvider is MemberInfo m && m.Name == member.Name).ToList();
            var property = written.FirstOrDefault(p => ((MemberInfo)p.AttributeProvider!).DeclaringType == member.DeclaringType)
                ?? written.FirstOrDefault()
                ?? throw new ArgumentException($"{type.Name}.{member.Name} is not stored (it is not part of the document's JSON), so it cannot be queried or indexed.");
            names.Add(property.Name);
            optional |= property.IsGetNullable;
            type = property.PropertyType;
        }

        return new FieldPath(string.Join(".", names), type, root, optional);
    }

    private static Expression? Unwrap(Expression? expression)
    {
        while (expression is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } unary)
        {
            expression = unary.Operand;
        }

        return expression;
    }

    public bool Equals(FieldPath? other) => other is not null && other.Path == Path && other.Root == Root;

    public override bool Equals(object? obj) => Equals(obj as FieldPath);

    public override int GetHashCode() => HashCode.Combine(Path, Root);

    public override string ToString() => Path;
}
