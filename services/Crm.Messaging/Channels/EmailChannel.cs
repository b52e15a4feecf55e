using Crm.Messaging.Email;

namespace Crm.Messaging.Channels;

/// <summary>E-mail through the configured <see cref="IEmailSender"/> (SMTP or the pickup folder); always configured.</summary>
public sealed class EmailChannel(IEmailSender sender) : IChannelAdapter
{
    public string Channel => "email";

    public bool IsConfigured => true;

    public async Task<ChannelDelivery> SendAsync(ChannelMessage message, CancellationToken cancellationToken = default)
    {
        try
        {
            var delivery = await sender.SendAsync(new EmailMessage(message.MessageId, message.To, message.ToName, message.Subject, message.Body), cancellationToken);
            return new ChannelDelivery(delivery.Status, null);
        }
        catch (EmailOutcomeUnknownException ex)
        {
            throw new ChannelOutcomeUnknownException(ex.Message, ex);
        }
        catch (MailKit.Net.Smtp.SmtpCommandException ex)
        {
            // A 5xx refusal (4xx ones are DependencyUnavailableException already).
            throw new ChannelRejectedException($"The SMTP server refused the e-mail: {ex.Message}");
        }
    }
}
