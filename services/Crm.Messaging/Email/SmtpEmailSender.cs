using Crm.ServiceDefaults.Messaging;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Crm.Messaging.Email;

/// <summary>
/// Sends through the SMTP server in <c>Smtp:Host</c>/<c>Smtp:Port</c> with MailKit (one connection per message). A
/// server that cannot be reached, drops the connection or answers 4xx (try again later) is unavailable
/// (<see cref="DependencyUnavailableException"/>: the message is parked and sent again); a 5xx refusal is not.
/// </summary>
public sealed class SmtpEmailSender(SmtpOptions options, TimeProvider time, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    public async Task<EmailDelivery> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        using var mime = MimeMessages.Create(message, options, time.GetUtcNow());
        using var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        var security = options.UseStartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        var host = options.Host ?? throw new InvalidOperationException("Smtp:Host is not set.");
        string response;
        try
        {
            await client.ConnectAsync(host, options.Port, security, cancellationToken);
            if (!string.IsNullOrEmpty(options.UserName))
            {
                await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, cancellationToken);
            }

            response = await client.SendAsync(mime, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception ex) when (ex is ProtocolException or ServiceNotConnectedException or SmtpCommandException { StatusCode: < (SmtpStatusCode)500 })
        {
            throw new DependencyUnavailableException($"The SMTP server {host}:{options.Port} did not take the e-mail: {ex.Message}", ex);
        }

        logger.LogInformation("E-mail {MessageId} handed to SMTP server {Host}:{Port}: {Response}", message.MessageId, options.Host, options.Port, response);
        return new EmailDelivery(EmailStatus.Sent, $"{options.Host}:{options.Port}");
    }
}
