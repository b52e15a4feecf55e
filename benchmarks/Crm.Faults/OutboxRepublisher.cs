using Microsoft.Data.Sqlite;

namespace Crm.Faults;

/// <summary>
/// The <c>outbox-republish</c> fault: the state an outbox dispatcher leaves when it dies between the broker's
/// confirm and recording the records as sent (deleting them). Published records of Leads and Assignment are put
/// back into their outbox tables, unchanged (same id, so the same MessageId), and the dispatcher publishes every one
/// of them a second time; the consumers' inboxes must drop the copies. A SQLite trigger keeps each record the
/// dispatcher deletes (<c>fault_sent</c>); twice a second, and once more when the load ends, those not put back yet
/// are inserted again (<c>fault_republished</c> remembers them, so a record is republished once). Trigger and tables
/// are removed at the end, also on failure.
/// </summary>
public static class OutboxRepublisher
{
    /// <summary>The services whose outbox records are published twice.</summary>
    public static readonly IReadOnlyList<string> Services = ["leads", "assignment"];

    private const string Install = """
        CREATE TABLE IF NOT EXISTS fault_sent (id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS fault_republished (id TEXT PRIMARY KEY NOT NULL);
        CREATE TRIGGER IF NOT EXISTS fault_keep_sent BEFORE DELETE ON outbox
        BEGIN
          INSERT OR IGNORE INTO fault_sent (id, doc) VALUES (OLD.id, OLD.doc);
        END;
        """;

    private const string Republish = """
        INSERT OR IGNORE INTO outbox (id, doc) SELECT id, doc FROM fault_sent WHERE id NOT IN (SELECT id FROM fault_republished);
        """;

    private const string Remember = """
        INSERT OR IGNORE INTO fault_republished (id) SELECT id FROM fault_sent;
        DELETE FROM fault_sent;
        """;

    private const string Uninstall = """
        DROP TRIGGER IF EXISTS fault_keep_sent;
        DROP TABLE IF EXISTS fault_sent;
        DROP TABLE IF EXISTS fault_republished;
        """;

    /// <summary>Republishes what Leads and Assignment publish until <paramref name="until"/> completes; returns how many records were put back.</summary>
    public static async Task<long> RunAsync(string dataDirectory, Task until)
    {
        var files = Services.Select(s => Path.Combine(dataDirectory, $"{s}.db")).ToList();
        long republished = 0;
        try
        {
            foreach (var file in files)
            {
                await ExecuteAsync(file, Install);
            }

            while (true)
            {
                var last = until.IsCompleted;
                foreach (var file in files)
                {
                    republished += await RepublishAsync(file);
                }

                if (last)
                {
                    break;
                }

                await Task.WhenAny(until, Task.Delay(500));
            }

            // What the dispatcher deletes after the last round above is not put back: the fault ends here.
        }
        finally
        {
            foreach (var file in files)
            {
                await ExecuteAsync(file, Uninstall);
            }
        }

        return republished;
    }

    private static async Task<long> RepublishAsync(string file)
    {
        await using var connection = await OpenAsync(file);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var republish = connection.CreateCommand();
        republish.Transaction = transaction;
        republish.CommandText = Republish;
        var count = await republish.ExecuteNonQueryAsync();
        await using var remember = connection.CreateCommand();
        remember.Transaction = transaction;
        remember.CommandText = Remember;
        await remember.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return count;
    }

    private static async Task ExecuteAsync(string file, string sql)
    {
        await using var connection = await OpenAsync(file);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<SqliteConnection> OpenAsync(string file)
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{file} is missing: is the platform's data directory right?", file);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWrite, DefaultTimeout = 30, Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }
}
