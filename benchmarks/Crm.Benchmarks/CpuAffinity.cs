using System.Globalization;

namespace Crm.Benchmarks;

/// <summary>
/// Which cores a process (all its threads, and the threads and children it starts later) may run on, set with
/// <c>taskset -a -cp</c> (util-linux): to give the processes of a benchmark cores of their own, as separate pods would have.
/// </summary>
public static class CpuAffinity
{
    /// <summary>Every core of the machine, as a <c>taskset</c> list.</summary>
    public static string All => $"0-{Environment.ProcessorCount - 1}";

    /// <summary>The cores after the first (<c>1-N</c>; the only one on a single-core machine).</summary>
    public static string AllButFirst => Environment.ProcessorCount > 1 ? $"1-{Environment.ProcessorCount - 1}" : "0";

    public static async Task PinAsync(int pid, string cores)
    {
        var (exitCode, _, errors) = await Command.RunAsync("taskset", "-a", "-cp", cores, pid.ToString(CultureInfo.InvariantCulture));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"taskset -a -cp {cores} {pid} failed (util-linux): {errors}");
        }
    }
}
