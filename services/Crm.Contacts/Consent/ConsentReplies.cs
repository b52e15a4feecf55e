using Crm.Contacts.Grpc;

namespace Crm.Contacts.Consent;

/// <summary>The consent part of the gRPC <c>ContactReply</c> (filled by <c>GetContact</c>, so senders check consent at send time).</summary>
public static class ConsentReplies
{
    /// <summary>Adds <paramref name="consent"/> (null: nothing recorded, every channel unknown) to <paramref name="reply"/>.</summary>
    public static void AddTo(ContactReply reply, ContactConsent? consent)
    {
        if (consent is null)
        {
            return;
        }

        reply.DoNotContact = consent.IsDoNotContact;
        reply.Consents.AddRange(consent.Channels.Select(c => new ChannelConsentStatus
        {
            Channel = c.Channel,
            Status = c.Status,
            LegalBasis = c.LegalBasis ?? string.Empty,
        }));
    }
}
