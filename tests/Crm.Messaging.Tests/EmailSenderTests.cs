using Crm.Messaging.Email;
using Crm.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Xunit;

namespace Crm.Messaging.Tests;

public sealed class SmtpEmailSenderTests
{
    [Fact]
    public async Task Sends_through_a_real_SMTP_server_on_loopback()
    {
        await using var sink = await SmtpSink.StartAsync();
        var options = new SmtpOptions { Host = "127.0.0.1", Port = sink.Port, From = "CRM <no-reply@crm.test>" };
        var sender = new SmtpEmailSender(options, TimeProvider.System, NullLogger<SmtpEmailSender>.Instance);
        var id = Guid.NewGuid().ToString("N");

        var delivery = await sender.SendAsync(new EmailMessage(id, "ada@example.com", "Ada Lovelace", "Welcome, Ada Lovelace!", "Hello Ada Lovelace,\n\nGrace is your contact."));

        Assert.Equal("sent", delivery.Status);
        var raw = await Poll.ForAsync(async () => (await sink.ReadMessagesAsync()).SingleOrDefault(), "the message in the sink's Maildir");
        using var message = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(raw)));
        Assert.Equal("Welcome, Ada Lovelace!", message.Subject);
        Assert.Contains("Hello Ada Lovelace,", message.TextBody, StringComparison.Ordinal);
        Assert.Equal("ada@example.com", message.To.Mailboxes.Single().Address);
        Assert.Equal("Ada Lovelace", message.To.Mailboxes.Single().Name);
        Assert.Equal("no-reply@crm.test", message.From.Mailboxes.Single().Address);
        Assert.Equal(id, message.Headers["X-Crm-Message-Id"]);
    }

    [Fact]
    public async Task Fails_when_no_server_listens()
    {
        var options = new SmtpOptions { Host = "127.0.0.1", Port = FreePort.Next(), Timeout = TimeSpan.FromSeconds(5) };
        var sender = new SmtpEmailSender(options, TimeProvider.System, NullLogger<SmtpEmailSender>.Instance);

        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() =>
            sender.SendAsync(new EmailMessage("m", "ada@example.com", null, "s", "b")));
    }

    [Theory]
    [InlineData("421 Too busy, try later", true)]
    [InlineData("554 No SMTP service here", false)]
    public async Task A_server_that_says_try_later_is_unavailable_and_one_that_refuses_is_not(string greeting, bool unavailable)
    {
        // A server on loopback that answers the connection with one reply and closes it.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes(greeting + "\r\n"));
            await Task.Delay(500);
        });
        var options = new SmtpOptions { Host = "127.0.0.1", Port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port, Timeout = TimeSpan.FromSeconds(5) };
        var sender = new SmtpEmailSender(options, TimeProvider.System, NullLogger<SmtpEmailSender>.Instance);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => sender.SendAsync(new EmailMessage("m", "ada@example.com", null, "s", "b")));
        await serving;

        Assert.Equal(unavailable, error is Crm.ServiceDefaults.Messaging.DependencyUnavailableException);
        Assert.Equal(unavailable, Crm.ServiceDefaults.Messaging.TransientFailures.IsTransient(error));
    }

    [Fact]
    public async Task A_connection_lost_while_the_e_mail_is_handed_over_leaves_it_unknown_whether_it_was_taken()
    {
        // A server on loopback that takes the whole message after DATA and closes the connection before answering.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
            async Task SayAsync(string line) => await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(line + "\r\n"));
            await SayAsync("220 sink ready");
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("DATA", StringComparison.OrdinalIgnoreCase))
                {
                    await SayAsync("354 go ahead");
                    while (await reader.ReadLineAsync() is { } body && body != ".")
                    {
                    }

                    return;
                }

                await SayAsync("250 ok");
            }
        });
        var options = new SmtpOptions { Host = "127.0.0.1", Port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port, Timeout = TimeSpan.FromSeconds(5) };
        var sender = new SmtpEmailSender(options, TimeProvider.System, NullLogger<SmtpEmailSender>.Instance);

        var error = await Assert.ThrowsAsync<EmailOutcomeUnknownException>(() => sender.SendAsync(new EmailMessage("m", "ada@example.com", null, "s", "b")));
        await serving;

        Assert.True(Crm.ServiceDefaults.Messaging.TransientFailures.IsTransient(error));
    }
}

public sealed class PickupDirectoryEmailSenderTests
{
    [Fact]
    public async Task Writes_an_eml_file_named_after_the_message_into_a_folder_it_creates()
    {
        using var directory = new TempDirectory("crm-pickup");
        var folder = directory.Combine("nested", "pickup");
        var sender = new PickupDirectoryEmailSender(new SmtpOptions { PickupDirectory = folder }, TimeProvider.System, NullLogger<PickupDirectoryEmailSender>.Instance);

        var delivery = await sender.SendAsync(new EmailMessage("m-1", "ada@example.com", "Ada", "Welcome, Ada!", "Hello Ada,"));

        Assert.Equal("picked-up", delivery.Status);
        var path = Path.Combine(folder, "m-1.eml");
        Assert.Equal(path, delivery.Detail);
        Assert.Equal([path], Directory.GetFiles(folder));
        using var message = await MimeMessage.LoadAsync(path);
        Assert.Equal("Welcome, Ada!", message.Subject);
        Assert.Equal("Hello Ada,", message.TextBody?.TrimEnd());
    }
}
