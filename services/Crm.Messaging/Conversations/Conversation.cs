using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Conversations;

/// <summary>
/// A conversation (document of <c>conversations</c>): the thread of one contact on one channel. <see cref="Status"/> is
/// <c>open</c> (the contact wrote and waits for us), <c>pending</c> (we answered, waiting for the contact) or
/// <c>resolved</c>. Its <see cref="Entries"/> are the messages both ways (the last <see cref="ConversationRules.MaxEntries"/>).
/// The rules that change it are <see cref="ConversationRules"/> (pure).
/// </summary>
public sealed record Conversation : IDocument
{
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    public required string Status { get; init; }
    /// <summary>The rep who owns it (the contact's latest <c>LeadAssigned</c> when it opened, or set by a team lead); null: unassigned.</summary>
    public string? OwnerRepId { get; init; }
    public string? OwnerTeamId { get; init; }
    /// <summary>The lead of the contact's latest assignment when it opened.</summary>
    public string? LeadId { get; init; }
    /// <summary>When the contact's first message arrived (sort key of the list: never changes).</summary>
    public required DateTimeOffset OpenedAt { get; init; }
    public required DateTimeOffset LastActivityAt { get; init; }
    /// <summary>The first reply from us after <see cref="OpenedAt"/>.</summary>
    public DateTimeOffset? FirstResponseAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    /// <summary>Replies from us (CSAT surveys not counted).</summary>
    public int Replies { get; init; }
    /// <summary>How often it was reopened after a resolution (a new inbound message, or by hand).</summary>
    public int Reopened { get; init; }
    /// <summary>When the CSAT survey was queued (on resolve); a score 1-5 from the contact is awaited while <see cref="CsatScore"/> is null.</summary>
    public DateTimeOffset? CsatRequestedAt { get; init; }
    public int? CsatScore { get; init; }
    public DateTimeOffset? CsatAnsweredAt { get; init; }
    public List<ConversationEntry> Entries { get; init; } = [];
    /// <summary>When the person's data (addresses, texts, subjects) was removed (GDPR erasure).</summary>
    public DateTimeOffset? ErasedAt { get; init; }
    /// <summary>The merge that moved it to <see cref="ContactId"/> from <see cref="MergedFromContactId"/> (an un-merge moves exactly those back).</summary>
    public string? MergeId { get; init; }
    public string? MergedFromContactId { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>Resolved on first contact: resolved with exactly one reply from us, never reopened.</summary>
    public bool FirstContactResolution => Status == ConversationStatus.Resolved && Replies == 1 && Reopened == 0;

    /// <summary>The conversation without the person's data: entry texts, subjects and addresses emptied.</summary>
    public Conversation Erased(DateTimeOffset at) => this with
    {
        Entries = Entries.Select(e => e with { Text = string.Empty, Subject = null, From = null }).ToList(),
        ErasedAt = at,
        Version = Version + 1,
    };
}

/// <summary>One message of a conversation: <c>in</c> (from the contact) or <c>out</c> (a reply or the CSAT survey, queued as a <c>Message</c>).</summary>
public sealed record ConversationEntry
{
    public required string Id { get; init; }
    /// <summary><c>in</c> or <c>out</c>.</summary>
    public required string Direction { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string Text { get; init; }
    /// <summary>An e-mail's subject.</summary>
    public string? Subject { get; init; }
    /// <summary>The sender's address (e-mail or phone) of an inbound message.</summary>
    public string? From { get; init; }
    /// <summary>The provider's id of an inbound message (SMS sid, WhatsApp id, e-mail Message-Id).</summary>
    public string? ProviderMessageId { get; init; }
    /// <summary><c>reply</c>, <c>csat-survey</c>, <c>csat-answer</c> or null (a message from the contact).</summary>
    public string? Kind { get; init; }
    /// <summary>Who wrote an outbound reply (actor id).</summary>
    public string? By { get; init; }
}

public static class ConversationStatus
{
    public const string Open = "open";
    public const string Pending = "pending";
    public const string Resolved = "resolved";

    public static readonly IReadOnlyList<string> All = [Open, Pending, Resolved];
}

/// <summary>
/// An inbound message seen (document of <c>inbound_receipts</c>, id = channel + provider message id): a provider's
/// retry of the same message is acknowledged and changes nothing. Ids only, no personal data.
/// </summary>
public sealed record InboundReceipt : IDocument
{
    public required string Id { get; init; }
    public required string ConversationId { get; init; }
    public required string EntryId { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public long Version { get; init; } = 1;

    public static string IdOf(string channel, string providerMessageId) => $"{channel}|{providerMessageId}";
}

/// <summary>
/// The rep who owns a contact (document of <c>contact_owners</c>, id = contact id): the latest <c>LeadAssigned</c> of
/// the contact (by its time), kept by <see cref="TrackOwnerOnLeadAssigned"/>; a new conversation takes its owner from it.
/// </summary>
public sealed record ContactOwner : IDocument
{
    public required string Id { get; init; }
    public required string RepId { get; init; }
    public string? TeamId { get; init; }
    public required string LeadId { get; init; }
    public required DateTimeOffset AssignedAt { get; init; }
    public long Version { get; init; } = 1;
}

public static class ConversationCollections
{
    /// <summary>
    /// <c>contact_channel</c>: a contact's threads of a channel, newest first (the inbound message finds its thread).
    /// <c>contact_opened</c>: a contact's threads (the list by contact, erasure, export, merges). <c>opened</c>, <c>status_opened</c>, <c>owner_opened</c>, <c>team_opened</c>:
    /// the list (all, by status, a rep's, a team's), newest first.
    /// </summary>
    public static readonly DocumentCollection<Conversation> Conversations = new DocumentCollection<Conversation>("conversations")
        .Index("contact_channel", i => i.Asc(c => c.ContactId).Asc(c => c.Channel).Desc(c => c.OpenedAt).Desc(c => c.Id))
        .Index("contact_opened", i => i.Asc(c => c.ContactId).Desc(c => c.OpenedAt).Desc(c => c.Id))
        .Index("opened", i => i.Desc(c => c.OpenedAt).Desc(c => c.Id))
        .Index("status_opened", i => i.Asc(c => c.Status).Desc(c => c.OpenedAt).Desc(c => c.Id))
        .Index("owner_opened", i => i.Asc(c => c.OwnerRepId).Desc(c => c.OpenedAt).Desc(c => c.Id).WhenPresent(c => c.OwnerRepId))
        .Index("team_opened", i => i.Asc(c => c.OwnerTeamId).Desc(c => c.OpenedAt).Desc(c => c.Id).WhenPresent(c => c.OwnerTeamId));

    public static readonly DocumentCollection<InboundReceipt> InboundReceipts = new("inbound_receipts");

    public static readonly DocumentCollection<ContactOwner> ContactOwners = new("contact_owners");
}
