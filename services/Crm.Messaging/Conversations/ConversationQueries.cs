using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Conversations;

/// <summary>Every read and conditional write of conversations, in one place (rendered by the catalog test).</summary>
public static class ConversationQueries
{
    /// <summary>The contact's threads of a channel, newest first (index <c>contact_channel</c>): the first is the one an inbound message joins.</summary>
    public static Query<Conversation> OfContactAndChannel(string contactId, string channel) =>
        ConversationCollections.Conversations.Find(Filter<Conversation>.Eq(c => c.ContactId, contactId) & Filter<Conversation>.Eq(c => c.Channel, channel))
            .OrderByDescending(c => c.OpenedAt)
            .ThenByDescending(c => c.Id);

    /// <summary>Every thread of a contact (index <c>contact_opened</c>): the GDPR export and the erasure.</summary>
    public static Query<Conversation> OfContact(string contactId) =>
        ConversationCollections.Conversations.Find(Filter<Conversation>.Eq(c => c.ContactId, contactId))
            .OrderByDescending(c => c.OpenedAt)
            .ThenByDescending(c => c.Id);

    /// <summary>Those of <see cref="OfContact"/> not erased yet.</summary>
    public static Query<Conversation> NotErasedOfContact(string contactId) =>
        OfContact(contactId).Where(Filter<Conversation>.Missing(c => c.ErasedAt));

    /// <summary>
    /// The list, newest first (<c>openedAt</c>, then id), with optional filters: driven by the owner's index when an
    /// owner (or a rep's restriction) is given, else the contact's, else the team's, else the status's, else all.
    /// </summary>
    internal static Query<Conversation> Newest(string? status, string? channel, string? ownerRepId, string? contactId, string? teamId)
    {
        var filter = Filter<Conversation>.All;
        if (status is not null)
        {
            filter &= Filter<Conversation>.Eq(c => c.Status, status);
        }

        if (channel is not null)
        {
            filter &= Filter<Conversation>.Eq(c => c.Channel, channel);
        }

        if (ownerRepId is not null)
        {
            filter &= Filter<Conversation>.Eq(c => c.OwnerRepId, ownerRepId);
        }

        if (contactId is not null)
        {
            filter &= Filter<Conversation>.Eq(c => c.ContactId, contactId);
        }

        if (teamId is not null)
        {
            filter &= Filter<Conversation>.Eq(c => c.OwnerTeamId, teamId);
        }

        return ConversationCollections.Conversations.Find(filter).OrderByDescending(c => c.OpenedAt).ThenByDescending(c => c.Id);
    }

    /// <summary>Every conversation, newest first (index <c>opened</c>).</summary>
    public static Query<Conversation> NewestOfAll() => Newest(null, null, null, null, null);

    /// <summary>By status (index <c>status_opened</c>).</summary>
    public static Query<Conversation> NewestOfStatus(string status) => Newest(status, null, null, null, null);

    /// <summary>A rep's (index <c>owner_opened</c>).</summary>
    public static Query<Conversation> NewestOfOwner(string ownerRepId) => Newest(null, null, ownerRepId, null, null);

    /// <summary>A team's (index <c>team_opened</c>).</summary>
    public static Query<Conversation> NewestOfTeam(string teamId) => Newest(null, null, null, null, teamId);

    /// <summary>A contact's (index <c>contact_opened</c>).</summary>
    public static Query<Conversation> NewestOfContact(string contactId) => Newest(null, null, null, contactId, null);

    /// <summary>Every conversation of <paramref name="from"/> moved to <paramref name="to"/>, marked with the merge (index <c>contact_opened</c>).</summary>
    public static WriteOperation MoveToSurvivor(string mergeId, string from, string to) =>
        Write.Update(
            ConversationCollections.Conversations,
            Filter<Conversation>.Eq(c => c.ContactId, from),
            new Update<Conversation>().Set(c => c.ContactId, to).Set(c => c.MergedFromContactId, from).Set(c => c.MergeId, mergeId).Inc(c => c.Version, 1),
            expectOne: false);

    /// <summary>Every conversation <paramref name="mergeId"/> moved from <paramref name="restoredId"/>, moved back (index <c>contact_opened</c>).</summary>
    public static WriteOperation MoveBack(string mergeId, string survivorId, string restoredId) =>
        Write.Update(
            ConversationCollections.Conversations,
            Filter<Conversation>.Eq(c => c.ContactId, survivorId) & Filter<Conversation>.Eq(c => c.MergeId, mergeId) & Filter<Conversation>.Eq(c => c.MergedFromContactId, restoredId),
            new Update<Conversation>().Set(c => c.ContactId, restoredId).Unset(c => c.MergedFromContactId).Unset(c => c.MergeId).Inc(c => c.Version, 1),
            expectOne: false);
}
