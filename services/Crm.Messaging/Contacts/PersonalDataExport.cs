using Crm.Messaging.Messages;
using Crm.PersonalData.Grpc;
using Crm.ServiceDefaults.PersonalData;
using Crm.ServiceDefaults.Storage;
using Grpc.Core;

namespace Crm.Messaging.Contacts;

/// <summary>
/// Which of Messaging's records belong to a contact, written once: the GDPR export reads them and the erasure
/// (<see cref="EraseOnErasureRequested"/>) anonymises the part of them that still holds the person's data, so the two
/// never disagree.
/// </summary>
public static class ContactRecords
{
    /// <summary>The most messages of one contact one erasure or export handles (a welcome per lead: a contact has far fewer).</summary>
    public const int MaxMessages = EraseOnErasureRequested.MaxMessagesPerRequest;

    /// <summary>Every message to the contact (finished, claimed or erased), newest first.</summary>
    public static Query<Message> Messages(string contactId) => MessageQueries.OfContact(contactId);

    /// <summary>Those of <see cref="Messages"/> that still hold the address and subject (what an erasure anonymises).</summary>
    public static Query<Message> MessagesToErase(string contactId) => MessageQueries.NotErasedOfContact(contactId);

    /// <summary>Every conversation of the contact (threads with the person's messages), newest first.</summary>
    public static Query<Conversations.Conversation> Conversations(string contactId) => Crm.Messaging.Conversations.ConversationQueries.OfContact(contactId);

    /// <summary>Those of <see cref="Conversations"/> that still hold the person's texts and addresses.</summary>
    public static Query<Conversations.Conversation> ConversationsToErase(string contactId) => Crm.Messaging.Conversations.ConversationQueries.NotErasedOfContact(contactId);
}

/// <summary>
/// gRPC <c>crm.personaldata.v1.PersonalData</c> on Messaging's h2c port: sections <c>messages</c> (every message to the
/// contact: channel, template, address written to, subject, status, times; a claim is a message still <c>sending</c>;
/// bodies are never stored) and <c>erasures</c> (the contact's erasure mark, when Messaging erased them), at most
/// <see cref="ContactRecords.MaxMessages"/> messages.
/// </summary>
public sealed class PersonalDataExportService(IDocumentStore store) : PersonalData.Grpc.PersonalData.PersonalDataBase
{
    public override async Task<ExportReply> Export(ExportRequest request, ServerCallContext context)
    {
        var contactId = PersonalDataSections.ContactIdOf(request);
        // An alert to a rep about the person's lead (Alerts/) is staff mail, not a message to the person: not theirs to export.
        var messages = (await store.FindAsync(ContactRecords.Messages(contactId).Take(ContactRecords.MaxMessages + 1), context.CancellationToken))
            .Where(m => m.RecipientRepId is null).ToList();
        var erased = await store.GetAsync(MessageCollections.ErasedContacts, contactId, context.CancellationToken);
        var conversations = await store.FindAsync(ContactRecords.Conversations(contactId).Take(ContactRecords.MaxMessages + 1), context.CancellationToken);
        return PersonalDataSections.Reply(
            MessagingService.Name,
            "Messaging keeps the messages sent to the person (address and subject, never the body), the conversations they started (their messages and our replies) and, once erased, a mark that stops further messages.",
            PersonalDataSections.Of("messages", messages, ContactRecords.MaxMessages),
            PersonalDataSections.Of("conversations", conversations, ContactRecords.MaxMessages),
            PersonalDataSections.Of("erasures", erased is null ? [] : new[] { erased }));
    }
}
