namespace Crm.Messaging.Email;

/// <summary>
/// The local default when no SMTP server is configured: writes each e-mail as <c>{messageId}.eml</c> into
/// <c>Smtp:PickupDirectory</c> (written to a temporary name, then renamed, so a reader never sees half a file).
/// </summary>
public sealed class PickupDirectoryEmailSender(SmtpOptions options, TimeProvider time, ILogger<PickupDirectoryEmailSender> logger) : IEmailSender
{
    public string Directory { get; } = Path.GetFullPath(options.PickupDirectory);

    public async Task<EmailDelivery> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(Directory);
        using var mime = MimeMessages.Create(message, options, time.GetUtcNow());
        var path = Path.Combine(Directory, $"{message.MessageId}.eml");
        var temporary = path + ".tmp";
        await mime.WriteToAsync(temporary, cancellationToken);
        File.Move(temporary, path, overwrite: true);
        // Said once, as a warning, at start (EmailTransportNotice); per e-mail it is detail. Never the address or the
        // name: no personal data in logs (an erasure cannot reach them).
        logger.LogDebug("E-mail {MessageId} was written to {Path}", message.MessageId, path);
        return new EmailDelivery(EmailStatus.PickedUp, path);
    }
}

/// <summary>Says once at start-up where e-mails go.</summary>
internal sealed class EmailTransportNotice(SmtpOptions options, IEmailSender sender, ILogger<EmailTransportNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (sender is PickupDirectoryEmailSender pickup)
        {
            System.IO.Directory.CreateDirectory(pickup.Directory);
            logger.LogWarning("No SMTP server is configured (Smtp:Host is empty): e-mails are written as .eml files to {Directory}", pickup.Directory);
        }
        else
        {
            logger.LogInformation("E-mails are sent to the SMTP server {Host}:{Port} (STARTTLS {StartTls})", options.Host, options.Port, options.UseStartTls ? "required" : "off");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
