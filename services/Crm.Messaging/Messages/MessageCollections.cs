using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

/// <summary>The Messaging store's own collections (the platform adds outbox, inbox, idempotency and timers).</summary>
public static class MessageCollections
{
    /// <summary>
    /// Messages. <c>lead_template</c>: one message per lead and template (the welcome is sent once), and the claim's
    /// lookup; only messages with a lead are indexed, so messages without one never collide. The three others serve
    /// the lists, newest first: by contact, by lead, all. <c>provider_message</c>: a provider's status callback finds its message.
    /// </summary>
    public static readonly DocumentCollection<Message> Messages = new DocumentCollection<Message>("messages")
        .Index("lead_template", i => i.Asc(m => m.LeadId).Asc(m => m.Template).Unique().WhenPresent(m => m.LeadId))
        .Index("contact_sent", i => i.Asc(m => m.ContactId).Desc(m => m.SentAt).Desc(m => m.Id))
        .Index("lead_sent", i => i.Asc(m => m.LeadId).Desc(m => m.SentAt).Desc(m => m.Id).WhenPresent(m => m.LeadId))
        .Index("sent", i => i.Desc(m => m.SentAt).Desc(m => m.Id))
        .Index("provider_message", i => i.Asc(m => m.ProviderMessageId).Asc(m => m.Id).WhenPresent(m => m.ProviderMessageId));

    /// <summary>
    /// Contacts whose data Messaging erased (GDPR), by contact id: checked before a message is sent, so a later or
    /// replayed event about the contact (a <c>LeadAssigned</c>) never writes to the person again. Read by id only.
    /// </summary>
    public static readonly DocumentCollection<ErasedContact> ErasedContacts = new("erased_contacts");
}
