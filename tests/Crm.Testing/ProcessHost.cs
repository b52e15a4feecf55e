using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Crm.Testing;

/// <summary>
/// A real child process for system tests: output captured (shown when a test fails), stopped by PID with its
/// whole tree on dispose, also when the test failed.
/// </summary>
public sealed class ProcessHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private bool _disposed;

    private ProcessHost(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>True once the process ended or was stopped by <see cref="DisposeAsync"/>.</summary>
    public bool HasExited => _disposed || _process.HasExited;

    public string Output => string.Join('\n', _output);

    public static ProcessHost Start(string name, string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new ProcessHost(name, process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name} ({fileName}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Runs a command to completion (with a deadline) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        await using var host = Start(Path.GetFileName(fileName), fileName, arguments, environment);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await host._process.WaitForExitAsync(cts.Token);
        return (host._process.ExitCode, host.Output);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Stops the process gracefully (SIGTERM), and kills it (with its tree) if it has not ended within <paramref name="grace"/>.</summary>
    public async Task TerminateAsync(TimeSpan grace)
    {
        if (!HasExited)
        {
            await RunAsync("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            using var cts = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                // Killed below.
            }
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 4000 && _output.TryDequeue(out _))
        {
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder().Append("--- ").Append(Name).Append(" (pid ").Append(Pid).AppendLine(") ---");
        text.AppendLine(Output);
        return text.ToString();
    }
}
