using System.Globalization;
using Crm.Contracts.Messaging;

namespace Crm.Messaging.Conversations;

/// <summary>What an inbound message did to its conversation.</summary>
public enum InboundOutcome
{
    /// <summary>A new conversation.</summary>
    Opened,
    /// <summary>Joined an open or pending conversation (pending becomes open: the contact waits for us again).</summary>
    Joined,
    /// <summary>Reopened a resolved conversation.</summary>
    Reopened,
    /// <summary>The answer (1-5) to the CSAT survey of a resolved conversation: recorded, the conversation stays resolved.</summary>
    CsatAnswered,
}

/// <summary>
/// The conversation rules (pure, no I/O; times are passed in). A thread per contact and channel: an inbound message
/// joins the contact's latest thread of the channel unless it is resolved; on a resolved one it is the CSAT answer
/// while the survey is awaited and the text is a score 1-5, else it reopens the thread (a second resolution is then not
/// first-contact). First-response time: the first reply from us after the first inbound message. First-contact
/// resolution: resolved with one reply from us and never reopened.
/// </summary>
public static class ConversationRules
{
    /// <summary>Entries kept per conversation (the oldest leave first).</summary>
    public const int MaxEntries = 500;

    /// <summary>How long after the survey a bare 1-5 is read as its answer.</summary>
    public static readonly TimeSpan CsatAnswerWindow = TimeSpan.FromDays(7);

    /// <summary>A CSAT score in a message's text: a single digit 1-5 (spaces, a trailing '.' or '!' allowed); null otherwise.</summary>
    public static int? CsatScore(string? text)
    {
        var t = text?.Trim().TrimEnd('.', '!').Trim();
        return t is { Length: 1 } && int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var score) && score is >= 1 and <= 5 ? score : null;
    }

    /// <summary>Whether the CSAT survey of <paramref name="conversation"/> waits for an answer at <paramref name="now"/>.</summary>
    public static bool AwaitsCsat(Conversation conversation, DateTimeOffset now) =>
        conversation is { Status: ConversationStatus.Resolved, CsatScore: null, CsatRequestedAt: { } asked } && now - asked <= CsatAnswerWindow;

    /// <summary>
    /// A new inbound <paramref name="entry"/> for the contact's latest thread of the channel (<paramref name="latest"/>,
    /// null when none): the thread to write and what happened. A new thread gets <paramref name="newId"/>, the owner
    /// and the lead.
    /// </summary>
    public static (Conversation Conversation, InboundOutcome Outcome) Inbound(
        Conversation? latest, ConversationEntry entry, string contactId, string channel, string newId, ContactOwner? owner, DateTimeOffset now)
    {
        if (latest is null)
        {
            return (new Conversation
            {
                Id = newId,
                ContactId = contactId,
                Channel = channel,
                Status = ConversationStatus.Open,
                OwnerRepId = owner?.RepId,
                OwnerTeamId = owner?.TeamId,
                LeadId = owner?.LeadId,
                OpenedAt = now,
                LastActivityAt = now,
                Entries = [entry],
            }, InboundOutcome.Opened);
        }

        if (latest.Status != ConversationStatus.Resolved)
        {
            return (Append(latest, entry, now) with { Status = ConversationStatus.Open }, InboundOutcome.Joined);
        }

        if (AwaitsCsat(latest, now) && CsatScore(entry.Text) is { } score)
        {
            return (Append(latest, entry with { Kind = EntryKinds.CsatAnswer }, now) with { CsatScore = score, CsatAnsweredAt = now }, InboundOutcome.CsatAnswered);
        }

        return (Reopen(Append(latest, entry, now), now), InboundOutcome.Reopened);
    }

    /// <summary>A reply from us: counted, the first one sets the first-response time; an open thread becomes pending (a resolved one stays resolved).</summary>
    public static Conversation Reply(Conversation conversation, ConversationEntry entry, DateTimeOffset now) =>
        Append(conversation, entry with { Kind = EntryKinds.Reply }, now) with
        {
            Replies = conversation.Replies + 1,
            FirstResponseAt = conversation.FirstResponseAt ?? now,
            Status = conversation.Status == ConversationStatus.Resolved ? ConversationStatus.Resolved : ConversationStatus.Pending,
        };

    /// <summary>Resolves it (null when it is resolved already) and records the CSAT survey <paramref name="survey"/> when one is sent.</summary>
    public static Conversation? Resolve(Conversation conversation, ConversationEntry? survey, DateTimeOffset now)
    {
        if (conversation.Status == ConversationStatus.Resolved)
        {
            return null;
        }

        var resolved = conversation with
        {
            Status = ConversationStatus.Resolved,
            ResolvedAt = now,
            LastActivityAt = now,
            CsatRequestedAt = survey is null ? conversation.CsatRequestedAt : now,
            CsatScore = survey is null ? conversation.CsatScore : null,
            CsatAnsweredAt = survey is null ? conversation.CsatAnsweredAt : null,
        };
        return survey is null ? resolved : Append(resolved, survey with { Kind = EntryKinds.CsatSurvey }, now);
    }

    /// <summary>Reopens a resolved thread (null when it is not resolved): open again, counted (it is no first-contact resolution any more).</summary>
    public static Conversation? ReopenByHand(Conversation conversation, DateTimeOffset now) =>
        conversation.Status == ConversationStatus.Resolved ? Reopen(conversation, now) : null;

    /// <summary>The CSAT score given on the web survey: recorded on a resolved thread that has none yet (false otherwise).</summary>
    public static Conversation? Csat(Conversation conversation, int score, DateTimeOffset now) =>
        conversation is { Status: ConversationStatus.Resolved, CsatScore: null } && score is >= 1 and <= 5
            ? conversation with { CsatScore = score, CsatAnsweredAt = now, LastActivityAt = now }
            : null;

    /// <summary>
    /// The event of a score just recorded on <paramref name="scored"/> (by <see cref="Inbound"/>'s <see cref="InboundOutcome.CsatAnswered"/>
    /// or <see cref="Csat"/>): published once, with the write that records it; a thread with a score takes no other until
    /// it is resolved (and surveyed) again.
    /// </summary>
    public static ConversationCsatRecorded CsatRecorded(Conversation scored, string source, Guid eventId) => new()
    {
        EventId = eventId,
        OccurredAt = scored.CsatAnsweredAt ?? throw new InvalidOperationException("The conversation has no CSAT answer."),
        ConversationId = scored.Id,
        ContactId = scored.ContactId,
        LeadId = scored.LeadId,
        Channel = scored.Channel,
        OwnerRepId = scored.OwnerRepId,
        OwnerTeamId = scored.OwnerTeamId,
        Score = scored.CsatScore ?? throw new InvalidOperationException("The conversation has no CSAT score."),
        Source = source,
        ResolvedAt = scored.ResolvedAt ?? scored.CsatAnsweredAt.Value,
    };

    /// <summary>
    /// The owner Assignment routed a thread to: taken only while the thread has none (a lead owner, a team lead's move or an
    /// earlier answer wins); null: nothing changes.
    /// </summary>
    public static Conversation? Routed(Conversation conversation, string repId, string? teamId) =>
        conversation.OwnerRepId is null && !string.IsNullOrWhiteSpace(repId)
            ? conversation with { OwnerRepId = repId, OwnerTeamId = string.IsNullOrWhiteSpace(teamId) ? null : teamId }
            : null;

    /// <summary>Seconds from the first inbound message to the first reply (null: never answered).</summary>
    public static double? FirstResponseSeconds(Conversation c) => c.FirstResponseAt is { } at ? (at - c.OpenedAt).TotalSeconds : null;

    /// <summary>Seconds from the first inbound message to the resolution (null: not resolved).</summary>
    public static double? ResolutionSeconds(Conversation c) => c.ResolvedAt is { } at ? (at - c.OpenedAt).TotalSeconds : null;

    private static Conversation Reopen(Conversation conversation, DateTimeOffset now) => conversation with
    {
        Status = ConversationStatus.Open,
        Reopened = conversation.Reopened + 1,
        ResolvedAt = null,
        LastActivityAt = now,
    };

    private static Conversation Append(Conversation conversation, ConversationEntry entry, DateTimeOffset now)
    {
        var entries = conversation.Entries.Append(entry).ToList();
        if (entries.Count > MaxEntries)
        {
            entries.RemoveRange(0, entries.Count - MaxEntries);
        }

        return conversation with { Entries = entries, LastActivityAt = now };
    }
}

/// <summary>Where a CSAT score came from (<see cref="ConversationCsatRecorded.Source"/>).</summary>
public static class CsatSources
{
    /// <summary>The contact's reply to the <c>csat-survey</c> message.</summary>
    public const string SurveyReply = "survey-reply";
    /// <summary>A web survey: <c>POST /api/messaging/conversations/{id}/csat</c>.</summary>
    public const string Web = "web";
}

public static class EntryKinds
{
    public const string Reply = "reply";
    public const string CsatSurvey = "csat-survey";
    public const string CsatAnswer = "csat-answer";
    public const string In = "in";
    public const string Out = "out";
}
