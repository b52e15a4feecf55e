using System.Globalization;

namespace Crm.Benchmarks;

/// <summary>
/// CPU time of the platform's processes (<c>utime + stime</c> from <c>/proc/&lt;pid&gt;/stat</c>), found by the pid files
/// <c>./crm up</c> writes (<c>.local/pids/*.pid</c>): a snapshot before and after a measured phase gives each process'
/// CPU per unit of work.
/// </summary>
public static class ProcessCpu
{
    /// <summary>USER_HZ on Linux.</summary>
    public const double TicksPerSecond = 100;

    public static async Task<int> PidAsync(string local, string process) =>
        int.Parse((await File.ReadAllTextAsync(Path.Combine(local, "pids", $"{process}.pid"))).Trim(), CultureInfo.InvariantCulture);

    public static long Ticks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>Each running process of <c>./crm up</c> (by its pid file) with its CPU ticks now; none when not on this machine.</summary>
    public static Dictionary<string, long> Snapshot(string local)
    {
        var snapshot = new Dictionary<string, long>(StringComparer.Ordinal);
        var folder = Path.Combine(local, "pids");
        if (!Directory.Exists(folder))
        {
            return snapshot;
        }

        foreach (var file in Directory.GetFiles(folder, "*.pid").Order(StringComparer.Ordinal))
        {
            try
            {
                var pid = int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
                snapshot[Path.GetFileNameWithoutExtension(file)] = Ticks(pid) + DescendantsOf(pid).Sum(TicksOrZero);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                // Not running (or not here): left out.
            }
        }

        return snapshot;
    }

    /// <summary>Processes started under <paramref name="pid"/> (RabbitMQ's Erlang VM runs under its start script).</summary>
    private static List<int> DescendantsOf(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var child))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                    parents[child] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // Gone meanwhile.
                }
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var next))
        {
            foreach (var (child, parent) in parents)
            {
                if (parent == next)
                {
                    found.Add(child);
                    frontier.Enqueue(child);
                }
            }
        }

        return found;
    }

    private static long TicksOrZero(int pid)
    {
        try
        {
            return Ticks(pid);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>"leads 0.41, contacts 0.12, … = total 1.02 ms per {unit}": CPU between two snapshots over <paramref name="units"/>.</summary>
    public static string PerUnit(Dictionary<string, long> before, Dictionary<string, long> after, double units, string unit)
    {
        var parts = after.Where(p => before.ContainsKey(p.Key))
            .Select(p => (p.Key, Ms: (p.Value - before[p.Key]) / TicksPerSecond * 1000 / Math.Max(1, units)))
            .OrderByDescending(p => p.Ms)
            .ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", parts.Select(p => $"{p.Key} {p.Ms:0.000}"))} = total {parts.Sum(p => p.Ms):0.000} ms CPU per {unit}");
    }
}
