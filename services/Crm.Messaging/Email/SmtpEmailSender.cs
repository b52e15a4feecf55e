using MailKit.Net.Smtp;
using MailKit.Security;

namespace Crm.Messaging.Email;

/// <summary>Sends through the SMTP server in <c>Smtp:Host</c>/<c>Smtp:Port</c> with MailKit (one connection per message).</summary>
public sealed class SmtpEmailSender(SmtpOptions options, TimeProvider time, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    public async Task<EmailDelivery> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        using var mime = MimeMessages.Create(message, options, time.GetUtcNow());
        using var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        var security = options.UseStartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        var host = options.Host ?? throw new InvalidOperationException("Smtp:Host is not set.");
        await client.ConnectAsync(host, options.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(options.UserName))
        {
            await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, cancellationToken);
        }

        var response = await client.SendAsync(mime, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        logger.LogInformation("E-mail {MessageId} handed to SMTP server {Host}:{Port}: {Response}", message.MessageId, options.Host, options.Port, response);
        return new EmailDelivery(EmailStatus.Sent, $"{options.Host}:{options.Port}");
    }
}
