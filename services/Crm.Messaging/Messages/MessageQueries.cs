using Crm.Messaging.Email;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

/// <summary>Every read and conditional write of messages, in one place so their cost is reviewable (rendered by the catalog test).</summary>
public static class MessageQueries
{
    /// <summary>The message of <paramref name="leadId"/> and <paramref name="template"/> (at most one: the unique index <c>lead_template</c> finds it).</summary>
    public static Query<Message> OfLeadAndTemplate(string leadId, string template) =>
        MessageCollections.Messages.Find(Filter<Message>.Eq(m => m.LeadId, leadId) & Filter<Message>.Eq(m => m.Template, template));

    /// <summary>
    /// Takes over the claim of a delivery that died: only while the message is still <c>sending</c> under the token
    /// it had when it was found expired, so of two deliveries taking over at once only one matches.
    /// </summary>
    public static WriteOperation TakeOver(string messageId, string? expiredToken, string claimToken, DateTimeOffset leaseUntil) =>
        Write.Update(
            MessageCollections.Messages,
            ClaimedBy(messageId, expiredToken),
            new Update<Message>().Set(m => m.ClaimToken, claimToken).Set(m => m.LeaseUntil, leaseUntil).Inc(m => m.Version, 1),
            expectOne: false);

    /// <summary>Writes the outcome of sending and drops the claim; must match (the claim is still <paramref name="claimToken"/>'s), else the commit fails.</summary>
    public static WriteOperation Complete(Message finished, string claimToken) =>
        Write.Update(
            MessageCollections.Messages,
            ClaimedBy(finished.Id, claimToken),
            new Update<Message>()
                .Set(m => m.ContactId, finished.ContactId)
                .Set(m => m.Channel, finished.Channel)
                .Set(m => m.To, finished.To)
                .Set(m => m.Subject, finished.Subject)
                .Set(m => m.Status, finished.Status)
                .Set(m => m.Reason, finished.Reason)
                .Set(m => m.DueAt, finished.DueAt)
                .Set(m => m.SentAt, finished.SentAt)
                .Set(m => m.ProviderMessageId, finished.ProviderMessageId)
                .Unset(m => m.ClaimToken)
                .Unset(m => m.LeaseUntil)
                .Inc(m => m.Version, 1),
            expectOne: true);

    /// <summary>
    /// Claims a <c>queued</c> message (the send API stored it): only while it is still queued, so of two deliveries of
    /// the same request only one matches; leased to <paramref name="claimToken"/> until <paramref name="leaseUntil"/>.
    /// </summary>
    public static WriteOperation ClaimQueued(string messageId, string claimToken, DateTimeOffset leaseUntil) =>
        Write.Update(
            MessageCollections.Messages,
            Filter<Message>.Eq(m => m.Id, messageId) & Filter<Message>.Eq(m => m.Status, EmailStatus.Queued),
            new Update<Message>().Set(m => m.Status, EmailStatus.Sending).Set(m => m.ClaimToken, claimToken).Set(m => m.LeaseUntil, leaseUntil).Inc(m => m.Version, 1),
            expectOne: false);

    /// <summary>Gives the claim of a queued message up (sending failed before the hand-over): back to <c>queued</c>, only while it is still <paramref name="claimToken"/>'s.</summary>
    public static WriteOperation Requeue(string messageId, string claimToken) =>
        Write.Update(
            MessageCollections.Messages,
            ClaimedBy(messageId, claimToken),
            new Update<Message>().Set(m => m.Status, EmailStatus.Queued).Unset(m => m.ClaimToken).Unset(m => m.LeaseUntil).Inc(m => m.Version, 1),
            expectOne: false);

    /// <summary>
    /// A <c>delayed</c> message whose time came (its timer fired): <c>queued</c> again, reason and due time dropped, only
    /// on the version it was read at (an erasure meanwhile suppressed it: the commit fails and the timer reads it again).
    /// </summary>
    public static WriteOperation RequeueDelayed(string messageId, long version) =>
        Write.Update(
            MessageCollections.Messages,
            Filter<Message>.Eq(m => m.Id, messageId) & Filter<Message>.Eq(m => m.Status, EmailStatus.Delayed) & Filter<Message>.Eq(m => m.Version, version),
            new Update<Message>().Set(m => m.Status, EmailStatus.Queued).Unset(m => m.Reason).Unset(m => m.DueAt).Inc(m => m.Version, 1),
            expectOne: true);

    /// <summary>The message a provider knows as <paramref name="providerMessageId"/> (index <c>provider_message</c>).</summary>
    public static Query<Message> OfProviderMessage(string providerMessageId) =>
        MessageCollections.Messages.Find(Filter<Message>.Eq(m => m.ProviderMessageId, providerMessageId));

    /// <summary>A delivery status report: the new status (and a failure's reason), only on the version it was decided on (else the commit fails and the report is decided again).</summary>
    public static WriteOperation ReportStatus(Message message, string status, string? reason) =>
        Write.Update(
            MessageCollections.Messages,
            Filter<Message>.Eq(m => m.Id, message.Id) & Filter<Message>.Eq(m => m.Version, message.Version),
            new Update<Message>().Set(m => m.Status, status).Set(m => m.Reason, reason).Inc(m => m.Version, 1),
            expectOne: true);

    /// <summary>Gives a claim up: deletes the message only while it is still <c>sending</c> under <paramref name="claimToken"/> (never a finished one).</summary>
    public static WriteOperation Release(string messageId, string claimToken) =>
        Write.Delete(MessageCollections.Messages, ClaimedBy(messageId, claimToken));

    /// <summary>
    /// The messages to a contact that still hold the person's data (not erased yet), finished or claimed, newest first
    /// (index <c>contact_sent</c>): what an erasure anonymises, a bounded number per request.
    /// </summary>
    public static Query<Message> NotErasedOfContact(string contactId) =>
        OfContact(contactId).Where(Filter<Message>.Missing(m => m.ErasedAt));

    /// <summary>
    /// Every message to a contact — finished, claimed (still <c>sending</c>) or erased — newest first (index
    /// <c>contact_sent</c>): what a GDPR export returns.
    /// </summary>
    public static Query<Message> OfContact(string contactId) =>
        MessageCollections.Messages.Find(Filter<Message>.Eq(m => m.ContactId, contactId))
            .OrderByDescending(m => m.SentAt)
            .ThenByDescending(m => m.Id);

    /// <summary>
    /// Part of an erasure's commit: every claim of the contact still <c>sending</c> when it commits (one a delivery
    /// inserted after the erasure read the messages) is finished as <c>suppressed</c> without address, subject or
    /// token, so the delivery holding it cannot complete it (see <see cref="Message.Erased"/>). Matches none most times.
    /// </summary>
    public static WriteOperation SuppressClaimsOfContact(string contactId, DateTimeOffset erasedAt) =>
        Write.Update(
            MessageCollections.Messages,
            Filter<Message>.Eq(m => m.ContactId, contactId) & Filter<Message>.Eq(m => m.Status, EmailStatus.Sending),
            new Update<Message>()
                .Set(m => m.To, string.Empty)
                .Set(m => m.Subject, string.Empty)
                .Set(m => m.Status, EmailStatus.Suppressed)
                .Set(m => m.ErasedAt, erasedAt)
                .Unset(m => m.ClaimToken)
                .Unset(m => m.LeaseUntil)
                .Inc(m => m.Version, 1),
            expectOne: false);

    /// <summary>
    /// Every message of <paramref name="from"/> (finished or being sent: a claim keeps its token) moved to
    /// <paramref name="to"/>, marked with the merge, so the survivor's history, frequency caps and replies see one person;
    /// index <c>contact_sent</c>.
    /// </summary>
    public static WriteOperation MoveToSurvivor(string mergeId, string from, string to) =>
        Write.Update(
            MessageCollections.Messages,
            Filter<Message>.Eq(m => m.ContactId, from),
            new Update<Message>().Set(m => m.ContactId, to).Set(m => m.MergedFromContactId, from).Set(m => m.MergeId, mergeId).Inc(m => m.Version, 1),
            expectOne: false);

    /// <summary>Every message <paramref name="mergeId"/> moved from <paramref name="restoredId"/>, moved back; index <c>contact_sent</c>.</summary>
    public static WriteOperation MoveBack(string mergeId, string survivorId, string restoredId) =>
        Write.Update(
            MessageCollections.Messages,
            Filter<Message>.Eq(m => m.ContactId, survivorId) & Filter<Message>.Eq(m => m.MergeId, mergeId) & Filter<Message>.Eq(m => m.MergedFromContactId, restoredId),
            new Update<Message>().Set(m => m.ContactId, restoredId).Unset(m => m.MergedFromContactId).Unset(m => m.MergeId).Inc(m => m.Version, 1),
            expectOne: false);

    /// <summary>Finished messages to a contact, newest first (index <c>contact_sent</c>).</summary>
    public static Query<Message> NewestOfContact(string contactId) =>
        Newest(Filter<Message>.Eq(m => m.ContactId, contactId));

    /// <summary>Finished messages about a lead, newest first (index <c>lead_sent</c>).</summary>
    public static Query<Message> NewestOfLead(string leadId) =>
        Newest(OfLead(leadId));

    /// <summary>Finished messages to a contact about a lead, newest first (either index of the two fields serves it).</summary>
    public static Query<Message> NewestOfContactAndLead(string contactId, string leadId) =>
        Newest(OfLead(leadId) & Filter<Message>.Eq(m => m.ContactId, contactId));

    /// <summary>Every finished message, newest first (index <c>sent</c>).</summary>
    public static Query<Message> NewestOfAll() => Newest(Filter<Message>.All);

    /// <summary>
    /// A contact's messages that a team lead may see: about leads owned by their team (or by themselves) when sent
    /// (index <c>contact_sent</c>, the owner checked on the rows it finds). A rep's list is the same with only the rep.
    /// </summary>
    public static Query<Message> NewestOfContactVisibleTo(string contactId, string repId, string teamId) =>
        Newest(Filter<Message>.Eq(m => m.ContactId, contactId) & OwnedBy(repId, teamId));

    /// <summary>The list that <c>GET /messages</c> pages through for these (optional) filters.</summary>
    internal static Query<Message> Newest(string? contactId, string? leadId) => (contactId, leadId) switch
    {
        (null, null) => NewestOfAll(),
        (not null, null) => NewestOfContact(contactId),
        (null, not null) => NewestOfLead(leadId),
        _ => NewestOfContactAndLead(contactId, leadId),
    };

    /// <summary>That list restricted to the messages owned by <paramref name="repId"/> or <paramref name="teamId"/> (either may be null, not both).</summary>
    internal static Query<Message> Newest(string? contactId, string? leadId, string? repId, string? teamId)
    {
        var filter = (contactId, leadId) switch
        {
            (null, null) => Filter<Message>.All,
            (not null, null) => Filter<Message>.Eq(m => m.ContactId, contactId),
            (null, not null) => OfLead(leadId),
            _ => OfLead(leadId) & Filter<Message>.Eq(m => m.ContactId, contactId),
        };
        return Newest(filter & OwnedBy(repId, teamId));
    }

    /// <summary>Owned (when sent) by the rep, or by the team.</summary>
    private static Filter<Message> OwnedBy(string? repId, string? teamId) => (repId, teamId) switch
    {
        (not null, null) => Filter<Message>.Eq(m => m.OwnerRepId, repId),
        (null, not null) => Filter<Message>.Eq(m => m.OwnerTeamId, teamId),
        (not null, not null) => Filter<Message>.Eq(m => m.OwnerRepId, repId) | Filter<Message>.Eq(m => m.OwnerTeamId, teamId),
        _ => throw new ArgumentException("A restricted list needs a rep or a team."),
    };

    /// <summary>Finished messages only (those still <c>sending</c> are claims, not messages yet), sentAt then id descending.</summary>
    private static Query<Message> Newest(Filter<Message> filter) =>
        MessageCollections.Messages.Find(filter & Filter<Message>.Ne(m => m.Status, EmailStatus.Sending))
            .OrderByDescending(m => m.SentAt)
            .ThenByDescending(m => m.Id);

    /// <summary>The messages of a lead (the equality implies the partial index's condition, <c>leadId</c> present).</summary>
    private static Filter<Message> OfLead(string leadId) => Filter<Message>.Eq(m => m.LeadId, leadId);

    private static Filter<Message> ClaimedBy(string messageId, string? claimToken) =>
        Filter<Message>.Eq(m => m.Id, messageId)
        & Filter<Message>.Eq(m => m.Status, EmailStatus.Sending)
        & Filter<Message>.Eq(m => m.ClaimToken, claimToken);
}
