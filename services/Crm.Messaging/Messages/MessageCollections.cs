using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

/// <summary>The Messaging store's own collections (the platform adds outbox, inbox, idempotency and timers).</summary>
public static class MessageCollections
{
    /// <summary>
    /// Messages. <c>dedupe</c>: one message per <see cref="Message.DedupeKey"/> (the welcome is sent once per lead, a call
    /// logged once per provider call id), and the claim's lookup; only messages with a key are indexed, so any number of
    /// messages of one lead and template may exist. The three next serve the lists, newest first: by contact, by lead,
    /// all. <c>provider_message</c>: a provider's status callback finds its message. <c>to_sent</c>: a bounce that names
    /// only the address finds the latest message to it.
    /// </summary>
    public static readonly DocumentCollection<Message> Messages = new DocumentCollection<Message>("messages")
        .Index("dedupe", i => i.Asc(m => m.DedupeKey).Unique().WhenPresent(m => m.DedupeKey))
        .Index("contact_sent", i => i.Asc(m => m.ContactId).Desc(m => m.SentAt).Desc(m => m.Id))
        .Index("lead_sent", i => i.Asc(m => m.LeadId).Desc(m => m.SentAt).Desc(m => m.Id).WhenPresent(m => m.LeadId))
        .Index("sent", i => i.Desc(m => m.SentAt).Desc(m => m.Id))
        .Index("provider_message", i => i.Asc(m => m.ProviderMessageId).Asc(m => m.Id).WhenPresent(m => m.ProviderMessageId))
        .Index("to_sent", i => i.Asc(m => m.To).Desc(m => m.SentAt).Desc(m => m.Id));

    /// <summary>
    /// Contacts whose data Messaging erased (GDPR), by contact id: checked before a message is sent, so a later or
    /// replayed event about the contact (a <c>LeadAssigned</c>) never writes to the person again. Read by id only.
    /// </summary>
    public static readonly DocumentCollection<ErasedContact> ErasedContacts = new("erased_contacts");
}

/// <summary>The <see cref="Message.DedupeKey"/>s the platform uses: each names what may exist once.</summary>
public static class MessageKeys
{
    /// <summary>One welcome per lead, however often the lead is assigned (a welcome stored before keys existed, without one, counts too: <see cref="SendOnce.ClaimAsync"/>).</summary>
    public static string Welcome(string leadId) => $"welcome:{leadId}";

    /// <summary>One logged call per telephony call id (the telephony system's retries log nothing twice).</summary>
    public static string Call(string providerCallId) => $"call:{providerCallId}";
}
