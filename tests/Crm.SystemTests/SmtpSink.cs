using System.Net.Sockets;
using Crm.Testing;

namespace Crm.SystemTests;

/// <summary>A real SMTP server on loopback (Debian's python3-aiosmtpd) storing every message in a Maildir.</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("crm-smtp");
    private ProcessHost? _process;

    public int Port { get; private set; }

    public string Output => _process?.Output ?? string.Empty;

    public static async Task<SmtpSink> StartAsync()
    {
        var sink = new SmtpSink { Port = FreePort.Next() };
        sink._process = ProcessHost.Start(
            "smtp-sink",
            "/usr/bin/python3",
            ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{sink.Port}", "-c", "aiosmtpd.handlers.Mailbox", sink._dir.Combine("maildir")]);
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (sink._process.HasExited)
                    {
                        throw new InvalidOperationException("aiosmtpd exited (is python3-aiosmtpd installed?):\n" + sink._process.Output);
                    }

                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", sink.Port);
                    return true;
                },
                "the SMTP sink to listen");
            return sink;
        }
        catch
        {
            await sink.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every message received so far, as raw RFC 5322 text.</summary>
    public IReadOnlyList<string> Messages()
    {
        var folder = _dir.Combine("maildir", "new");
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder).Select(File.ReadAllText).ToList()
            : [];
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _dir.Dispose();
    }
}
