using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Crm.Benchmarks;

/// <summary>
/// The share of storage code in the five services (Contacts, Leads, Assignment, Messaging, Analytics; ServiceDefaults
/// excluded, as the issue counted): C# lines of files that are storage (store classes and interfaces, documents
/// written for a store, schemas, Mongo queries, collection declarations and query catalogs), over all C# lines of
/// the services. Printed for the working tree and for a baseline commit (default: the one issue 6 measured, 44 %),
/// with every file counted, so the figure can be checked.
/// </summary>
public static partial class StorageShare
{
    private static readonly string[] ServiceFolders =
        ["services/Crm.Contacts", "services/Crm.Leads", "services/Crm.Assignment", "services/Crm.Messaging", "services/Crm.Analytics"];

    public static int Run(Arguments args)
    {
        var baseline = args.Text("baseline", "05afe82");
        var root = Git("rev-parse --show-toplevel").Trim();
        Report("baseline " + baseline, Git($"ls-tree -r --name-only {baseline} -- {string.Join(' ', ServiceFolders)}", root), path => Git($"show {baseline}:{path}", root));
        Report("now", string.Join('\n', Git($"ls-files -co --exclude-standard -- {string.Join(' ', ServiceFolders)}", root).Split('\n').Where(p => File.Exists(Path.Combine(root, p)))), path => File.ReadAllText(Path.Combine(root, path)));
        return 0;
    }

    /// <summary>Store code by its name or folder: *Store, *Schema, Mongo*, Sqlite*, *MongoQueries, Storage/, and the layer's declarations (*Collections, *Queries).</summary>
    public static bool IsStorage(string path) => StoragePath().IsMatch(path);

    private static void Report(string label, string files, Func<string, string> read)
    {
        var sources = files.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.EndsWith(".cs", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal) && !p.Contains("/bin/", StringComparison.Ordinal))
            .Select(p => (Path: p, Lines: read(p).Split('\n').Length - 1))
            .ToList();
        var storage = sources.Where(s => IsStorage(s.Path)).ToList();
        var total = sources.Sum(s => s.Lines);
        var stored = storage.Sum(s => s.Lines);
        Console.WriteLine($"{label}: storage {stored} of {total} lines of the five services = {100.0 * stored / total:0.0} %");
        foreach (var (path, lines) in storage.OrderBy(s => s.Path, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {lines,5}  {path}");
        }
    }

    private static string Git(string arguments, string? directory = null)
    {
        var info = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = directory ?? Environment.CurrentDirectory };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"git {arguments} failed.");
    }

    [GeneratedRegex(@"(/Storage/|/Mongo[^/]*\.cs$|/Sqlite[^/]*\.cs$|Store\.cs$|Schema\.cs$|MongoQueries\.cs$|Collections\.cs$|Queries\.cs$)")]
    private static partial Regex StoragePath();
}
