using Microsoft.Data.Sqlite;

namespace Crm.Testing;

/// <summary>
/// Reads every row of every table of every SQLite store in a directory (documents, outbox, inbox, idempotency records,
/// timers, leases: everything a service keeps) and reports where any of the given strings occurs. Read-only, while the
/// services run (WAL: readers never block the writer).
/// </summary>
public static class StoreScan
{
    /// <summary>One place a string was found: <c>leads.db / idempotency</c> and the row's id (or first column).</summary>
    public sealed record Finding(string Store, string Table, string Row, string Needle);

    public static async Task<IReadOnlyList<Finding>> FindAsync(string directory, IReadOnlyList<string> needles)
    {
        var findings = new List<Finding>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.db").Order(StringComparer.Ordinal))
        {
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            await connection.OpenAsync();
            var tables = new List<string>();
            await using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                await using var read = connection.CreateCommand();
                read.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
                await using var reader = await read.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    for (var column = 0; column < reader.FieldCount; column++)
                    {
                        if (reader.IsDBNull(column))
                        {
                            continue;
                        }

                        var value = reader.GetValue(column) switch
                        {
                            byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
                            var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
                        };
                        foreach (var needle in needles.Where(n => value.Contains(n, StringComparison.OrdinalIgnoreCase)))
                        {
                            findings.Add(new Finding(Path.GetFileName(file), table, Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? "?", needle));
                        }
                    }
                }
            }
        }

        return findings;
    }
}
