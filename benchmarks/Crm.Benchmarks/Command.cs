using System.Diagnostics;

namespace Crm.Benchmarks;

/// <summary>Runs a command of the machine (wrk, taskset) to its end and gives back its exit code and output.</summary>
public static class Command
{
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string file, params IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }
}
