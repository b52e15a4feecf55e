using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Crm.ServiceDefaults.Storage.Sqlite;

/// <summary>A SQL statement with its parameters (<c>$p0</c>, <c>$p1</c>, ...).</summary>
public sealed record SqlStatement(string Sql, IReadOnlyList<KeyValuePair<string, object?>> Parameters)
{
    public override string ToString()
    {
        if (Parameters.Count == 0)
        {
            return Sql;
        }

        return Sql + "\n  -- " + string.Join(", ", Parameters.Select(p => $"{p.Key} = {Show(p.Value)}"));
    }

    private static string Show(object? value) => value switch
    {
        null => "NULL",
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "NULL",
    };
}

/// <summary>
/// Renders the document layer's filters, sorts and updates to SQLite SQL over a table <c>(id, doc)</c> that holds
/// the JSON document. Fields that an index declares are read from their generated column (<c>f_contactId</c>, so
/// the index serves them); any other field from <c>json_extract(doc, '$.path')</c>. Semantics follow MongoDB's:
/// an absent field is NULL, <c>ne</c> and <c>not in</c> match it.
/// </summary>
public sealed class SqlRenderer
{
    private readonly HashSet<string> _columns;

    public SqlRenderer(IDocumentCollection collection)
    {
        Collection = collection;
        Table = Quote(collection.Name);
        _columns = collection.Indexes.SelectMany(i => i.Keys).Select(k => k.Field.Path).Where(p => p != "id").ToHashSet(StringComparer.Ordinal);
    }

    public IDocumentCollection Collection { get; }

    /// <summary>The quoted table name.</summary>
    public string Table { get; }

    /// <summary>Paths that have a generated column.</summary>
    public IReadOnlyCollection<string> ColumnPaths => _columns;

    public static string ColumnName(string path) => "f_" + path.Replace('.', '_');

    public static string Quote(string name) => "\"" + name + "\"";

    public static string JsonPath(string path) => "'$." + path + "'";

    /// <summary>How SQL reads <paramref name="field"/>.</summary>
    public string Field(FieldPath field) => Field(field.Path);

    public string Field(string path) =>
        path == "id" ? "id"
        : _columns.Contains(path) ? Quote(ColumnName(path))
        : $"json_extract(doc, {JsonPath(path)})";

    public SqlStatement Select(FilterNode filter, IReadOnlyList<SortKey> sort, IReadOnlyList<JsonElement>? after, int? limit)
    {
        var p = new Parameters();
        var sql = new StringBuilder("SELECT doc FROM ").Append(Table);
        AppendWhere(sql, p, filter, sort, after);
        AppendOrder(sql, sort);
        if (limit is { } n)
        {
            sql.Append(" LIMIT ").Append(p.Add((long)n));
        }

        return new SqlStatement(sql.ToString(), p.List);
    }

    public SqlStatement Count(FilterNode filter)
    {
        var p = new Parameters();
        var sql = new StringBuilder("SELECT COUNT(*) FROM ").Append(Table);
        AppendWhere(sql, p, filter, [], null);
        return new SqlStatement(sql.ToString(), p.List);
    }

    public SqlStatement Get(string id) => new($"SELECT doc FROM {Table} WHERE id = $p0", [new("$p0", id)]);

    public SqlStatement Insert(string id, string json, bool ignoreIfExists) => new(
        $"INSERT INTO {Table} (id, doc) VALUES ($p0, $p1)" + (ignoreIfExists ? " ON CONFLICT (id) DO NOTHING" : string.Empty),
        [new("$p0", id), new("$p1", json)]);

    public SqlStatement Put(string id, string json) => new(
        $"INSERT INTO {Table} (id, doc) VALUES ($p0, $p1) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
        [new("$p0", id), new("$p1", json)]);

    public SqlStatement Replace(string id, string json, long expectedVersion) => new(
        $"UPDATE {Table} SET doc = $p1 WHERE id = $p0 AND json_extract(doc, '$.version') = $p2",
        [new("$p0", id), new("$p1", json), new("$p2", expectedVersion)]);

    public SqlStatement Delete(FilterNode filter)
    {
        var p = new Parameters();
        var sql = new StringBuilder("DELETE FROM ").Append(Table);
        AppendWhere(sql, p, filter, [], null);
        return new SqlStatement(sql.ToString(), p.List);
    }

    public SqlStatement Update(FilterNode filter, IReadOnlyList<UpdateOperation> update)
    {
        var p = new Parameters();
        var sql = new StringBuilder("UPDATE ").Append(Table).Append(" SET doc = ").Append(UpdateExpression("doc", update, p));
        AppendWhere(sql, p, filter, [], null);
        return new SqlStatement(sql.ToString(), p.List);
    }

    /// <summary>Insert the seed with the update applied, or apply the update to the stored document.</summary>
    public SqlStatement Upsert(string id, string seedJson, IReadOnlyList<UpdateOperation> update)
    {
        var p = new Parameters();
        var idParameter = p.Add(id);
        var seedParameter = p.Add(seedJson);
        var onInsert = UpdateExpression($"json({seedParameter})", update, p);
        var onConflict = UpdateExpression("doc", update, p);
        return new SqlStatement(
            $"INSERT INTO {Table} (id, doc) VALUES ({idParameter}, {onInsert}) ON CONFLICT (id) DO UPDATE SET doc = {onConflict}",
            p.List);
    }

    /// <summary>Updates up to <paramref name="limit"/> matching documents in the query's order and returns them.</summary>
    public SqlStatement Claim(FilterNode filter, IReadOnlyList<SortKey> sort, int limit, IReadOnlyList<UpdateOperation> update)
    {
        var p = new Parameters();
        var sql = new StringBuilder("UPDATE ").Append(Table).Append(" SET doc = ").Append(UpdateExpression("doc", update, p));
        sql.Append(" WHERE id IN (SELECT id FROM ").Append(Table);
        AppendWhere(sql, p, filter, [], null);
        AppendOrder(sql, sort);
        sql.Append(" LIMIT ").Append(p.Add((long)limit)).Append(") RETURNING doc");
        return new SqlStatement(sql.ToString(), p.List);
    }

    public string Where(FilterNode filter, Parameters p) => Condition(filter, p);

    private void AppendWhere(StringBuilder sql, Parameters p, FilterNode filter, IReadOnlyList<SortKey> sort, IReadOnlyList<JsonElement>? after)
    {
        var conditions = new List<string>();
        if (filter is not AllFilter)
        {
            conditions.Add(Condition(filter, p));
        }

        if (after is not null)
        {
            conditions.Add(Keyset(sort, after, p));
        }

        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").Append(string.Join(" AND ", conditions));
        }
    }

    private void AppendOrder(StringBuilder sql, IReadOnlyList<SortKey> sort)
    {
        if (sort.Count > 0)
        {
            sql.Append(" ORDER BY ").Append(string.Join(", ", sort.Select(s => Field(s.Field) + (s.Descending ? " DESC" : string.Empty))));
        }
    }

    private string Condition(FilterNode filter, Parameters p) => filter switch
    {
        AllFilter => "1",
        CompareFilter c => c.Operator switch
        {
            FilterOperator.Eq => $"{Field(c.Field)} = {p.Add(c.Value)}",
            FilterOperator.Ne => $"({Field(c.Field)} IS NULL OR {Field(c.Field)} <> {p.Add(c.Value)})",
            FilterOperator.Gt => $"{Field(c.Field)} > {p.Add(c.Value)}",
            FilterOperator.Gte => $"{Field(c.Field)} >= {p.Add(c.Value)}",
            FilterOperator.Lt => $"{Field(c.Field)} < {p.Add(c.Value)}",
            FilterOperator.Lte => $"{Field(c.Field)} <= {p.Add(c.Value)}",
            _ => throw new NotSupportedException(c.Operator.ToString()),
        },
        InFilter { Negated: false } i => $"{Field(i.Field)} IN (SELECT value FROM json_each({p.AddArray(i.Values)}))",
        InFilter i => $"({Field(i.Field)} IS NULL OR {Field(i.Field)} NOT IN (SELECT value FROM json_each({p.AddArray(i.Values)})))",
        ExistsFilter e => $"{Field(e.Field)} IS {(e.Present ? "NOT NULL" : "NULL")}",
        ContainsFilter c => $"EXISTS (SELECT 1 FROM json_each(doc, {JsonPath(c.Field.Path)}) WHERE value = {p.Add(c.Value)})",
        AndFilter a => "(" + string.Join(" AND ", a.Parts.Select(part => Condition(part, p))) + ")",
        OrFilter o => "(" + string.Join(" OR ", o.Parts.Select(part => Condition(part, p))) + ")",
        _ => throw new NotSupportedException(filter.GetType().Name),
    };

    /// <summary>After the position <paramref name="after"/> in the order <paramref name="sort"/>.</summary>
    private string Keyset(IReadOnlyList<SortKey> sort, IReadOnlyList<JsonElement> after, Parameters p)
    {
        if (sort.Count != after.Count)
        {
            throw new ArgumentException("A keyset position needs one value per sort key.", nameof(after));
        }

        if (sort.All(s => s.Descending == sort[0].Descending))
        {
            // One row-value comparison: SQLite seeks the index with it.
            var fields = string.Join(", ", sort.Select(s => Field(s.Field)));
            var values = string.Join(", ", after.Select(v => p.Add(v)));
            return $"({fields}) {(sort[0].Descending ? "<" : ">")} ({values})";
        }

        var branches = new List<string>();
        for (var i = 0; i < sort.Count; i++)
        {
            var parts = new List<string>();
            for (var j = 0; j < i; j++)
            {
                parts.Add($"{Field(sort[j].Field)} = {p.Add(after[j])}");
            }

            parts.Add($"{Field(sort[i].Field)} {(sort[i].Descending ? "<" : ">")} {p.Add(after[i])}");
            branches.Add(parts.Count == 1 ? parts[0] : "(" + string.Join(" AND ", parts) + ")");
        }

        return "(" + string.Join(" OR ", branches) + ")";
    }

    /// <summary>The document <paramref name="source"/> with <paramref name="update"/> applied, as one SQL expression.</summary>
    private static string UpdateExpression(string source, IReadOnlyList<UpdateOperation> update, Parameters p)
    {
        var removes = update.OfType<UnsetOperation>().Select(u => JsonPath(u.Field.Path)).ToList();
        var expression = removes.Count == 0 ? source : $"json_remove({source}, {string.Join(", ", removes)})";
        var sets = new List<string>();
        foreach (var operation in update)
        {
            switch (operation)
            {
                case SetOperation set:
                    sets.Add($"{JsonPath(set.Field.Path)}, json({p.AddJson(set.Value)})");
                    break;
                case IncrementOperation inc:
                    sets.Add($"{JsonPath(inc.Field.Path)}, coalesce(json_extract({source}, {JsonPath(inc.Field.Path)}), 0) + {p.Add(inc.By)}");
                    break;
            }
        }

        return sets.Count == 0 ? expression : $"json_set({expression}, {string.Join(", ", sets)})";
    }

    /// <summary>Numbered parameters of one statement.</summary>
    public sealed class Parameters
    {
        public List<KeyValuePair<string, object?>> List { get; } = [];

        public string Add(object? value)
        {
            var name = "$p" + List.Count.ToString(CultureInfo.InvariantCulture);
            List.Add(new(name, value));
            return name;
        }

        /// <summary>A stored value as SQLite's <c>json_extract</c> returns it: text, integer, real; booleans as 1 / 0.</summary>
        public string Add(JsonElement value) => Add(Scalar(value));

        /// <summary>The value as JSON text (for <c>json(...)</c>).</summary>
        public string AddJson(JsonElement value) => Add(value.GetRawText());

        public string AddArray(IReadOnlyList<JsonElement> values) =>
            Add("[" + string.Join(",", values.Select(v => v.GetRawText())) + "]");

        private static object? Scalar(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number when value.TryGetInt64(out var integer) => integer,
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.True => 1L,
            JsonValueKind.False => 0L,
            JsonValueKind.Null => null,
            _ => throw new NotSupportedException($"A filter compares scalars, not {value.ValueKind}: {value.GetRawText()}"),
        };
    }
}
