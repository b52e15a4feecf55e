using Microsoft.Data.Sqlite;

namespace Crm.ServiceDefaults.Storage.Sqlite;

/// <summary>
/// Tables and indexes of the declared collections: one table <c>(id, doc)</c> per collection, a virtual generated
/// column per indexed field (<c>f_contactId AS (json_extract(doc, '$.contactId'))</c>) and one index per
/// declaration, named <c>ix_{collection}.{index}</c> (index names are global in a file; the dot keeps two collections'
/// names apart, since neither name may contain one). Applied in one write transaction, so several processes on
/// one file can start together; an index whose definition changed is dropped and built again, an index no longer
/// declared is dropped. Generated columns no longer used stay (they are virtual: they cost nothing).
/// </summary>
public static class SqliteSchema
{
    public static string IndexName(IDocumentCollection collection, IndexDefinition index) => $"ix_{collection.Name}.{index.Name}";

    public static string CreateTable(IDocumentCollection collection) =>
        $"CREATE TABLE IF NOT EXISTS {SqlRenderer.Quote(collection.Name)} (id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL)";

    public static string AddColumn(IDocumentCollection collection, string path) =>
        $"ALTER TABLE {SqlRenderer.Quote(collection.Name)} ADD COLUMN {SqlRenderer.Quote(SqlRenderer.ColumnName(path))} "
        + $"GENERATED ALWAYS AS (json_extract(doc, {SqlRenderer.JsonPath(path)})) VIRTUAL";

    public static string CreateIndex(IDocumentCollection collection, IndexDefinition index)
    {
        var renderer = new SqlRenderer(collection);
        var keys = string.Join(", ", index.Keys.Select(k => renderer.Field(k.Field) + (k.Descending ? " DESC" : string.Empty)));
        var sql = $"CREATE {(index.Unique ? "UNIQUE " : string.Empty)}INDEX {SqlRenderer.Quote(IndexName(collection, index))} ON {SqlRenderer.Quote(collection.Name)} ({keys})";
        if (index.WhenPresent)
        {
            sql += " WHERE " + string.Join(" AND ", index.PresentFields.Select(f => renderer.Field(f) + " IS NOT NULL"));
        }

        return sql;
    }

    /// <summary>
    /// Brings the file's tables and indexes to the declarations (inside the caller's write transaction). A table of a
    /// collection's name that is not a document table (written before the document layer) is renamed aside to
    /// <c>{name}_before_documents</c>, not migrated: its names are returned, for the log.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(SqliteConnection connection, IReadOnlyCollection<IDocumentCollection> collections, CancellationToken cancellationToken)
    {
        var setAside = new List<string>();
        foreach (var collection in collections)
        {
            var existingColumns = await ReadAsync(connection, $"SELECT name FROM pragma_table_xinfo('{collection.Name}')", r => r.GetString(0), cancellationToken);
            if (existingColumns.Count > 0 && !existingColumns.Contains("doc"))
            {
                var aside = $"{collection.Name}_before_documents";
                for (var n = 2; (await ReadAsync(connection, $"SELECT name FROM sqlite_master WHERE name = '{aside}'", r => r.GetString(0), cancellationToken)).Count > 0; n++)
                {
                    aside = $"{collection.Name}_before_documents_{n}";
                }

                await ExecuteAsync(connection, $"ALTER TABLE {SqlRenderer.Quote(collection.Name)} RENAME TO {SqlRenderer.Quote(aside)}", cancellationToken);

                // Its indexes keep their names, which the document table's indexes may need: the old table keeps its data, not its indexes.
                foreach (var index in await ReadAsync(connection, $"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{aside}' AND sql IS NOT NULL", r => r.GetString(0), cancellationToken))
                {
                    await ExecuteAsync(connection, $"DROP INDEX {SqlRenderer.Quote(index)}", cancellationToken);
                }

                setAside.Add(aside);
            }

            await ExecuteAsync(connection, CreateTable(collection), cancellationToken);

            var columns = await ReadAsync(connection, $"SELECT name FROM pragma_table_xinfo('{collection.Name}')", r => r.GetString(0), cancellationToken);
            foreach (var path in new SqlRenderer(collection).ColumnPaths.Where(p => !columns.Contains(SqlRenderer.ColumnName(p))))
            {
                await ExecuteAsync(connection, AddColumn(collection, path), cancellationToken);
            }

            var existing = (await ReadAsync(
                    connection,
                    $"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{collection.Name}' AND name LIKE 'ix\\_%' ESCAPE '\\'",
                    r => (Name: r.GetString(0), Sql: r.IsDBNull(1) ? string.Empty : r.GetString(1)),
                    cancellationToken))
                .ToDictionary(i => i.Name, i => i.Sql, StringComparer.Ordinal);
            var declared = collection.Indexes.ToDictionary(i => IndexName(collection, i), i => CreateIndex(collection, i), StringComparer.Ordinal);
            foreach (var (name, sql) in existing)
            {
                if (!declared.TryGetValue(name, out var wanted) || !string.Equals(wanted, sql, StringComparison.Ordinal))
                {
                    await ExecuteAsync(connection, $"DROP INDEX {SqlRenderer.Quote(name)}", cancellationToken);
                }
            }

            foreach (var (name, sql) in declared)
            {
                if (!existing.TryGetValue(name, out var current) || !string.Equals(current, sql, StringComparison.Ordinal))
                {
                    await ExecuteAsync(connection, sql, cancellationToken);
                }
            }
        }

        return setAside;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<T>> ReadAsync<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(read(reader));
        }

        return list;
    }
}
