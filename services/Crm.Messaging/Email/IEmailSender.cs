using MimeKit;

namespace Crm.Messaging.Email;

/// <summary>One plain-text e-mail to one recipient. <see cref="MessageId"/> is the platform's message id.</summary>
public sealed record EmailMessage(string MessageId, string To, string? ToName, string Subject, string Body);

/// <summary>What became of an e-mail: <see cref="Status"/> is <c>sent</c> or <c>picked-up</c>.</summary>
public sealed record EmailDelivery(string Status, string Detail);

/// <summary>Hands an e-mail to the transport chosen by configuration (SMTP server or pickup folder).</summary>
public interface IEmailSender
{
    Task<EmailDelivery> SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}

public static class EmailStatus
{
    public const string Sent = "sent";
    public const string PickedUp = "picked-up";
    public const string Skipped = "skipped";
    /// <summary>Claimed by a delivery that is sending it right now; not listed.</summary>
    public const string Sending = "sending";
}

internal static class MimeMessages
{
    public static MimeMessage Create(EmailMessage message, SmtpOptions options, DateTimeOffset date)
    {
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Body = new TextPart("plain") { Text = message.Body },
            Date = date,
            MessageId = $"{message.MessageId}@crm.messaging",
        };
        mime.From.Add(MailboxAddress.Parse(options.From));
        mime.To.Add(new MailboxAddress(message.ToName ?? string.Empty, message.To));
        mime.Headers.Add("X-Crm-Message-Id", message.MessageId);
        return mime;
    }
}
