using System.Net.Sockets;

namespace Crm.Testing;

/// <summary>
/// A real SMTP server on loopback: Debian's aiosmtpd with its Mailbox handler, which stores every message it
/// receives in a Maildir. Stopped (by PID) and its folder deleted on dispose.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly TempDirectory _directory;
    private readonly ProcessHost _process;

    private SmtpSink(TempDirectory directory, ProcessHost process, int port)
    {
        _directory = directory;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Maildir => _directory.Combine("maildir");

    public static async Task<SmtpSink> StartAsync()
    {
        var directory = new TempDirectory("crm-smtp-sink");
        var port = FreePort.Next();
        var process = ProcessHost.Start("smtp", Python, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", directory.Combine("maildir")]);
        var sink = new SmtpSink(directory, process, port);
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException("aiosmtpd exited:\n" + process.Output);
                    }

                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", port);
                    return true;
                },
                $"the SMTP sink to accept connections on port {port}");
            return sink;
        }
        catch
        {
            await sink.DisposeAsync();
            throw;
        }
    }

    /// <summary>The raw messages delivered so far (Maildir <c>new/</c>).</summary>
    public async Task<IReadOnlyList<string>> ReadMessagesAsync()
    {
        var folder = Path.Combine(Maildir, "new");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var messages = new List<string>();
        foreach (var file in Directory.GetFiles(folder))
        {
            messages.Add(await File.ReadAllTextAsync(file));
        }

        return messages;
    }

    /// <summary>What aiosmtpd printed (for a failing test's message).</summary>
    public string Output => _process.Output;

    public override string ToString() => _process.ToString();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _directory.Dispose();
    }
}
