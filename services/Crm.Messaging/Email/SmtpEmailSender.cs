using Crm.ServiceDefaults.Messaging;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Crm.Messaging.Email;

/// <summary>
/// Sends through the SMTP server in <c>Smtp:Host</c>/<c>Smtp:Port</c> with MailKit (one connection per message). A
/// server that cannot be reached or answers 4xx (try again later) is unavailable
/// (<see cref="DependencyUnavailableException"/>: the message is parked and sent again); a 5xx refusal is not. A
/// connection lost (or the time up) while the e-mail is handed over leaves it unknown whether the server took it:
/// <see cref="EmailOutcomeUnknownException"/>. Once the server took it, a failing goodbye is ignored.
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
        var handingOver = false;
        try
        {
            await client.ConnectAsync(host, options.Port, security, cancellationToken);
            if (!string.IsNullOrEmpty(options.UserName))
            {
                await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, cancellationToken);
            }

            handingOver = true;
            response = await client.SendAsync(mime, cancellationToken);
            handingOver = false;
        }
        catch (SmtpCommandException ex) when (ex.StatusCode < (SmtpStatusCode)500)
        {
            // The server answered "not now": it did not take the e-mail.
            throw new DependencyUnavailableException($"The SMTP server {host}:{options.Port} did not take the e-mail: {ex.Message}", ex);
        }
        catch (Exception ex) when (handingOver && ex is not SmtpCommandException)
        {
            throw new EmailOutcomeUnknownException($"The connection to the SMTP server {host}:{options.Port} failed while the e-mail was handed over: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is ProtocolException or ServiceNotConnectedException)
        {
            throw new DependencyUnavailableException($"The SMTP server {host}:{options.Port} did not take the e-mail: {ex.Message}", ex);
        }

        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception ex)
        {
            // Taken already: a failed goodbye changes nothing.
            logger.LogDebug(ex, "Closing the SMTP connection after e-mail {MessageId} failed", message.MessageId);
        }

        logger.LogInformation("E-mail {MessageId} handed to SMTP server {Host}:{Port}: {Response}", message.MessageId, options.Host, options.Port, response);
        return new EmailDelivery(EmailStatus.Sent, $"{options.Host}:{options.Port}");
    }
}
