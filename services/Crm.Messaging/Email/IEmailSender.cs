using MimeKit;

namespace Crm.Messaging.Email;

/// <summary>One plain-text e-mail to one recipient. <see cref="MessageId"/> is the platform's message id.</summary>
public sealed record EmailMessage(string MessageId, string To, string? ToName, string Subject, string Body);

/// <summary>What became of an e-mail: <see cref="Status"/> is <c>sent</c> or <c>picked-up</c>.</summary>
public sealed record EmailDelivery(string Status, string Detail);

/// <summary>
/// Hands an e-mail to the transport chosen by configuration (SMTP server or pickup folder). A failure the transport
/// knows the e-mail was not taken for throws anything but <see cref="EmailOutcomeUnknownException"/>; a failure while
/// the e-mail was being handed over (the connection lost mid-way, the time up before the server answered) throws
/// that one: the e-mail may have been taken.
/// </summary>
public interface IEmailSender
{
    Task<EmailDelivery> SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>
/// The e-mail was being handed over when the transport failed: whether the server took it is not known. A transient
/// failure (the message is retried), but its claim is kept, so the retry sends it under the same id once the
/// claim's lease ends (at least once, never two different e-mails).
/// </summary>
public sealed class EmailOutcomeUnknownException(string message, Exception inner)
    : Crm.ServiceDefaults.Messaging.DependencyUnavailableException(message, inner);

public static class EmailStatus
{
    public const string Sent = "sent";
    public const string PickedUp = "picked-up";
    public const string Skipped = "skipped";
    /// <summary>Not sent because the contact's consent forbids it (do-not-contact, the channel withdrawn, marketing without consent: the reason) or the contact was erased; no event.</summary>
    public const string Suppressed = "suppressed";
    /// <summary>Not sent because it could not be written (<see cref="Messages.Message.Reason"/> <c>template</c>: a variable without a value, or no template); no event.</summary>
    public const string Failed = "failed";
    /// <summary>Stored by the send API, waiting for its delivery to claim it; listed.</summary>
    public const string Queued = "queued";
    /// <summary>Held by contact pressure (quiet hours, a frequency cap) until its <c>dueAt</c>, then queued and decided again; listed.</summary>
    public const string Delayed = "delayed";
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
