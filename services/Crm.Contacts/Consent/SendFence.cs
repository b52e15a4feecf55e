using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Consent;

/// <summary>
/// A contact's send fence (a document of <c>send_fences</c>, id = the contact's id): the sends in flight (holds a sender
/// took right before handing a message to a provider) and the consent changes that are closing the fence to commit a
/// withdrawal. Every grant of a hold and every closing is a version-guarded replace of this one document, so the two
/// never pass each other: a hold granted before a closing is seen by it (and waited for), and no hold is granted while
/// a closing stands. Both carry an expiry, so a sender or a Contacts replica that died never blocks for longer.
/// </summary>
public sealed record SendFence : IDocument
{
    /// <summary>The contact's id.</summary>
    public required string Id { get; init; }
    /// <summary>The holds granted and not yet released (expired ones are pruned with the next write).</summary>
    public IReadOnlyList<SendHold> Holds { get; init; } = [];
    /// <summary>The consent changes waiting to commit (expired ones are pruned with the next write).</summary>
    public IReadOnlyList<FenceClosing> Closings { get; init; } = [];
    public long Version { get; init; } = 1;

    public static SendFence Empty(string contactId) => new() { Id = contactId, Version = 0 };
}

/// <summary>One send in flight: granted for <see cref="Channel"/> until <see cref="ExpiresAt"/>.</summary>
public sealed record SendHold
{
    public required string Id { get; init; }
    public required string Channel { get; init; }
    /// <summary>The sender's message id (for the logs and the reader of the document).</summary>
    public required string MessageId { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>A consent change that forbids sending on <see cref="Channel"/> (null: every channel) and waits for the holds to end.</summary>
public sealed record FenceClosing
{
    public required string Id { get; init; }
    public string? Channel { get; init; }
    public required DateTimeOffset Until { get; init; }

    public bool Covers(string channel) => Channel is null || Channel == channel;
}

/// <summary>A sender's answer: allowed with a hold (<see cref="Hold"/>), or refused with the reason.</summary>
public sealed record SendGrant(bool Allowed, string? Reason, SendHold? Hold)
{
    /// <summary>The reason of a refusal while a withdrawal (or do-not-contact) is being committed.</summary>
    public const string Withdrawing = "withdrawing";
}

/// <summary>The fence's rules, pure: granting and releasing a hold, closing and opening, what still blocks a closing.</summary>
internal static class SendFenceRules
{
    /// <summary>
    /// A hold for <paramref name="channel"/> if sending is allowed now: refused while a closing covering the channel
    /// stands (<see cref="SendGrant.Withdrawing"/>), else by the consent rule (<see cref="ConsentRules.MaySend(ContactConsent?, string, SendPurpose)"/>);
    /// allowed: the fence with the hold added (expired holds and closings pruned).
    /// </summary>
    public static (SendGrant Grant, SendFence? Next) Grant(
        SendFence fence, ContactConsent? consent, string channel, SendPurpose purpose, string messageId, string holdId, DateTimeOffset now, TimeSpan lease)
    {
        if (fence.Closings.Any(c => c.Until > now && c.Covers(channel)))
        {
            return (new SendGrant(false, SendGrant.Withdrawing, null), null);
        }

        var decision = ConsentRules.MaySend(consent, channel, purpose);
        if (!decision.Allowed)
        {
            return (new SendGrant(false, decision.Reason, null), null);
        }

        var hold = new SendHold { Id = holdId, Channel = channel, MessageId = messageId, ExpiresAt = now + lease };
        var next = Pruned(fence, now) with { Version = fence.Version + 1 };
        return (new SendGrant(true, null, hold), next with { Holds = [.. next.Holds, hold] });
    }

    /// <summary>
    /// <see cref="Grant"/> for several sends of one contact decided together (a sender's batch), in order: each allowed
    /// send gets its own hold, all in one fence. The grants in the order of <paramref name="sends"/>; the fence to save
    /// (at one version above <paramref name="fence"/>'s), or null when nothing was granted.
    /// </summary>
    public static (IReadOnlyList<SendGrant> Grants, SendFence? Next) GrantAll(
        SendFence fence, ContactConsent? consent, IReadOnlyList<(string Channel, SendPurpose Purpose, string MessageId, string HoldId)> sends, DateTimeOffset now, TimeSpan lease)
    {
        var grants = new List<SendGrant>(sends.Count);
        var current = fence;
        var granted = false;
        foreach (var send in sends)
        {
            var (grant, next) = Grant(current, consent, send.Channel, send.Purpose, send.MessageId, send.HoldId, now, lease);
            grants.Add(grant);
            if (next is not null)
            {
                current = next;
                granted = true;
            }
        }

        return (grants, granted ? current with { Version = fence.Version + 1 } : null);
    }

    /// <summary>The fence without the holds <paramref name="holdIds"/> (those it still holds), or null when it holds none of them.</summary>
    public static SendFence? ReleaseAll(SendFence fence, IReadOnlyCollection<string> holdIds, DateTimeOffset now) =>
        fence.Holds.Any(h => holdIds.Contains(h.Id))
            ? Pruned(fence, now) with { Holds = [.. fence.Holds.Where(h => !holdIds.Contains(h.Id) && h.ExpiresAt > now)], Version = fence.Version + 1 }
            : null;

    /// <summary>The fence without the hold <paramref name="holdId"/>, or null when it holds no such hold (released or expired already).</summary>
    public static SendFence? Release(SendFence fence, string holdId, DateTimeOffset now) =>
        fence.Holds.Any(h => h.Id == holdId)
            ? Pruned(fence, now) with { Holds = [.. fence.Holds.Where(h => h.Id != holdId && h.ExpiresAt > now)], Version = fence.Version + 1 }
            : null;

    /// <summary>The fence closed for <paramref name="channel"/> (null: every channel) until <paramref name="until"/>.</summary>
    public static SendFence Close(SendFence fence, string closingId, string? channel, DateTimeOffset now, DateTimeOffset until)
    {
        var next = Pruned(fence, now);
        return next with { Closings = [.. next.Closings, new FenceClosing { Id = closingId, Channel = channel, Until = until }], Version = fence.Version + 1 };
    }

    /// <summary>The fence without the closing <paramref name="closingId"/>, or null when it has no such closing standing (removed, or expired: then holds may have been granted since).</summary>
    public static SendFence? Open(SendFence fence, string closingId, DateTimeOffset now) =>
        fence.Closings.Any(c => c.Id == closingId && c.Until > now)
            ? Pruned(fence, now) with { Closings = [.. fence.Closings.Where(c => c.Id != closingId && c.Until > now)], Version = fence.Version + 1 }
            : null;

    /// <summary>The unexpired holds a closing of <paramref name="channel"/> (null: every channel) must wait for.</summary>
    public static IReadOnlyList<SendHold> Blocking(SendFence? fence, string? channel, DateTimeOffset now) =>
        fence is null ? [] : [.. fence.Holds.Where(h => h.ExpiresAt > now && (channel is null || h.Channel == channel))];

    /// <summary>
    /// The channel a consent change must close the fence for before it commits: null for every channel (do-not-contact
    /// set, or several channels withdrawn), the one channel withdrawn, or no closing at all (<paramref name="closes"/>
    /// false: grants and do-not-contact cleared never stop a send).
    /// </summary>
    public static (bool Closes, string? Channel) ClosingOf(IEnumerable<(string? Channel, string? Status, bool? DoNotContact)> changes)
    {
        var forbidding = changes.Where(c => c.DoNotContact == true || (c.Channel is not null && c.Status == ConsentStatus.Withdrawn)).ToList();
        return forbidding.Count switch
        {
            0 => (false, null),
            1 when forbidding[0].Channel is { } channel => (true, channel),
            _ => (true, null),
        };
    }

    private static SendFence Pruned(SendFence fence, DateTimeOffset now) => fence with
    {
        Holds = [.. fence.Holds.Where(h => h.ExpiresAt > now)],
        Closings = [.. fence.Closings.Where(c => c.Until > now)],
    };
}

/// <summary>The fence collection: read and written by id only (no query).</summary>
public static class SendFenceCollections
{
    public static readonly DocumentCollection<SendFence> Fences = new("send_fences");
}
