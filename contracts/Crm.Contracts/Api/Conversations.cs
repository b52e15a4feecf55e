namespace Crm.Contracts.Api.Messaging;

/// <summary>A conversation: the thread of one contact on one channel (inbound messages and our replies).</summary>
public sealed record ConversationResponse
{
    /// <summary>The conversation's id.</summary>
    public required string Id { get; init; }

    /// <summary>The contact who wrote.</summary>
    public required string ContactId { get; init; }

    /// <summary>The channel of the thread: email, sms or whatsapp.</summary>
    public required Channel Channel { get; init; }

    /// <summary><c>open</c> (the contact waits for us), <c>pending</c> (we answered, waiting for the contact) or <c>resolved</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The rep who owns it (the contact's latest assignment, or set by a team lead); null: unassigned.</summary>
    public string? OwnerRepId { get; init; }

    /// <summary>The owner's team.</summary>
    public string? OwnerTeamId { get; init; }

    /// <summary>The contact's lead when it opened (its latest assignment), if any.</summary>
    public string? LeadId { get; init; }

    /// <summary>When the contact's first message arrived (UTC).</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>The last message or change (UTC).</summary>
    public required DateTimeOffset LastActivityAt { get; init; }

    /// <summary>Seconds from the first inbound message to our first reply; null while unanswered.</summary>
    public double? FirstResponseSeconds { get; init; }

    /// <summary>When it was resolved (UTC); null unless resolved.</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>Seconds from the first inbound message to the resolution; null unless resolved.</summary>
    public double? ResolutionSeconds { get; init; }

    /// <summary>Replies from us (the CSAT survey not counted).</summary>
    public required int Replies { get; init; }

    /// <summary>How often it was reopened after a resolution.</summary>
    public required int Reopened { get; init; }

    /// <summary>Resolved on first contact: resolved with one reply from us and never reopened.</summary>
    public required bool FirstContactResolution { get; init; }

    /// <summary>When the CSAT survey was sent (on resolve), if it was.</summary>
    public DateTimeOffset? CsatRequestedAt { get; init; }

    /// <summary>The contact's satisfaction score 1-5, once given.</summary>
    public int? CsatScore { get; init; }

    /// <summary>The messages both ways, oldest first (only in <c>GET /api/messaging/conversations/{id}</c>; empty in lists).</summary>
    public IReadOnlyList<ConversationMessageResponse> Messages { get; init; } = [];
}

/// <summary>One message of a conversation.</summary>
public sealed record ConversationMessageResponse
{
    /// <summary>The entry's id (for an outbound one, the queued message's id: follow it in <c>GET /api/messaging/messages</c>).</summary>
    public required string Id { get; init; }

    /// <summary><c>in</c> (from the contact) or <c>out</c> (from us).</summary>
    public required string Direction { get; init; }

    /// <summary>When it arrived or was queued (UTC).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The text (empty once the contact's data was erased).</summary>
    public required string Text { get; init; }

    /// <summary>An e-mail's subject.</summary>
    public string? Subject { get; init; }

    /// <summary><c>reply</c>, <c>csat-survey</c>, <c>csat-answer</c>, or null for a message from the contact.</summary>
    public string? Kind { get; init; }
}

/// <summary><c>POST /api/messaging/conversations/{id}/replies</c>: a reply on the conversation's channel.</summary>
public sealed record ConversationReplyRequest
{
    /// <summary>The text (1-4000 characters), sent as the <c>conversation-reply</c> template (<c>{{ reply.text }}</c>).</summary>
    public string? Text { get; init; }
}

/// <summary><c>PUT /api/messaging/conversations/{id}/owner</c>: who owns the conversation.</summary>
public sealed record ConversationOwnerRequest
{
    /// <summary>The rep; null: unassigned.</summary>
    public string? RepId { get; init; }

    /// <summary>The rep's team (a team lead may only assign within their own team).</summary>
    public string? TeamId { get; init; }
}

/// <summary><c>POST /api/messaging/conversations/{id}/csat</c>: the contact's score from the web survey.</summary>
public sealed record ConversationCsatRequest
{
    /// <summary>1 (poor) to 5 (excellent).</summary>
    public int? Score { get; init; }
}
