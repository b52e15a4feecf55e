using Crm.Contacts.Grpc;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Messaging;
using Grpc.Core;

namespace Crm.Messaging.Contacts;

/// <summary>A hold on a contact's channel from Contacts' consent fence, or why there is none.</summary>
public sealed record SendHoldGrant(bool Allowed, string? Reason, string? HoldId, TimeSpan Lease);

/// <summary>Contacts' consent fence (gRPC <c>BeginSend</c> / <c>EndSend</c>, <c>contracts/protos/contacts.proto</c>).</summary>
public interface ISendFence
{
    /// <summary>Asks for a hold right before a hand-off: refused with the consent reason, or granted for its lease.</summary>
    Task<SendHoldGrant> BeginSendAsync(string contactId, string channel, string purpose, string messageId, CancellationToken cancellationToken);

    /// <summary>Releases the hold (idempotent).</summary>
    Task EndSendAsync(string contactId, string holdId, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="BeginSendAsync"/> for a batch: the grants in the order of <paramref name="sends"/>. One call (one
    /// Contacts commit) over gRPC (<see cref="GrpcSendFence"/>); the default asks for each in turn.
    /// </summary>
    async Task<IReadOnlyList<SendHoldGrant>> BeginSendsAsync(IReadOnlyList<SendHoldRequest> sends, CancellationToken cancellationToken)
    {
        var grants = new List<SendHoldGrant>(sends.Count);
        foreach (var send in sends)
        {
            grants.Add(await BeginSendAsync(send.ContactId, send.Channel, send.Purpose, send.MessageId, cancellationToken));
        }

        return grants;
    }

    /// <summary><see cref="EndSendAsync"/> for a batch (one call over gRPC; the default releases each in turn).</summary>
    async Task EndSendsAsync(IReadOnlyList<(string ContactId, string HoldId)> holds, CancellationToken cancellationToken)
    {
        foreach (var (contactId, holdId) in holds)
        {
            await EndSendAsync(contactId, holdId, cancellationToken);
        }
    }
}

/// <summary>One send of a batch asking the fence for a hold (<see cref="ISendFence.BeginSendsAsync"/>).</summary>
public sealed record SendHoldRequest(string ContactId, string Channel, string Purpose, string MessageId);

/// <summary><see cref="ISendFence"/> over Contacts' gRPC, waiting for a reconnecting Contacts up to <see cref="GrpcContactDirectory.Deadline"/>.</summary>
public sealed class GrpcSendFence(ContactDirectory.ContactDirectoryClient client, TimeProvider time) : ISendFence
{
    public async Task<SendHoldGrant> BeginSendAsync(string contactId, string channel, string purpose, string messageId, CancellationToken cancellationToken)
    {
        var reply = await client.BeginSendAsync(
            new BeginSendRequest { ContactId = contactId, Channel = channel, Purpose = purpose, MessageId = messageId },
            Options(cancellationToken));
        return new SendHoldGrant(reply.Allowed, string.IsNullOrEmpty(reply.Reason) ? null : reply.Reason, string.IsNullOrEmpty(reply.HoldId) ? null : reply.HoldId, TimeSpan.FromMilliseconds(reply.LeaseMs));
    }

    public async Task EndSendAsync(string contactId, string holdId, CancellationToken cancellationToken) =>
        await client.EndSendAsync(new EndSendRequest { ContactId = contactId, HoldId = holdId }, Options(cancellationToken));

    /// <summary>The most sends or holds one batch call takes (Contacts' limit).</summary>
    public const int MaxBatch = 1000;

    public async Task<IReadOnlyList<SendHoldGrant>> BeginSendsAsync(IReadOnlyList<SendHoldRequest> sends, CancellationToken cancellationToken)
    {
        var grants = new List<SendHoldGrant>(sends.Count);
        foreach (var chunk in sends.Chunk(MaxBatch))
        {
            var request = new BeginSendsRequest();
            request.Sends.AddRange(chunk.Select(s => new BeginSendRequest { ContactId = s.ContactId, Channel = s.Channel, Purpose = s.Purpose, MessageId = s.MessageId }));
            var reply = await client.BeginSendsAsync(request, Options(cancellationToken));
            grants.AddRange(reply.Grants.Select(g => new SendHoldGrant(g.Allowed, string.IsNullOrEmpty(g.Reason) ? null : g.Reason, string.IsNullOrEmpty(g.HoldId) ? null : g.HoldId, TimeSpan.FromMilliseconds(g.LeaseMs))));
        }

        return grants.Count == sends.Count ? grants : throw new DependencyUnavailableException($"Contacts answered {grants.Count} grants for {sends.Count} sends.");
    }

    public async Task EndSendsAsync(IReadOnlyList<(string ContactId, string HoldId)> holds, CancellationToken cancellationToken)
    {
        foreach (var chunk in holds.Chunk(MaxBatch))
        {
            var request = new EndSendsRequest();
            request.Holds.AddRange(chunk.Select(h => new EndSendRequest { ContactId = h.ContactId, HoldId = h.HoldId }));
            await client.EndSendsAsync(request, Options(cancellationToken));
        }
    }

    private CallOptions Options(CancellationToken cancellationToken) =>
        new CallOptions(deadline: (time.GetUtcNow() + GrpcContactDirectory.Deadline).UtcDateTime, cancellationToken: cancellationToken).WithWaitForReady();
}

/// <summary>
/// The sender's side of the consent fence: a hold taken right before the channel adapter's hand-off, the hand-off
/// cancelled before the hold could expire (<see cref="FencedHandOff.Token"/>), the hold released after it. Contacts
/// commits a withdrawal only when no hold of the channel is left, so what is handed over within a hold reached the
/// provider before the withdrawal committed. The lease is counted on this process's clock from before the request, so
/// the two services' clocks need not agree.
/// </summary>
public sealed class ConsentFence(ISendFence fence, TimeProvider time, ILogger<ConsentFence> logger)
{
    /// <summary>The part of the lease kept free at its end (a tenth, at least a second): the hand-off is cancelled before it.</summary>
    public static TimeSpan MarginOf(TimeSpan lease) => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, lease.Ticks / 10));

    /// <summary>
    /// A hold for <paramref name="message"/>'s channel, or a refusal (<see cref="FencedHandOff.Allowed"/> false, with
    /// Contacts' reason). A hold whose lease ran out before its answer came is released and the send retried later
    /// (<see cref="DependencyUnavailableException"/>).
    /// </summary>
    public async Task<FencedHandOff> BeginAsync(Message message, CancellationToken cancellationToken)
    {
        var asked = time.GetTimestamp();
        var grant = await fence.BeginSendAsync(message.ContactId, message.Channel, message.Purpose == Templates.TemplateChannels.Marketing ? "marketing" : "transactional", message.Id, cancellationToken);
        if (!grant.Allowed || grant.HoldId is null)
        {
            return new FencedHandOff(this, message.ContactId, null, grant.Reason ?? "refused", TimeSpan.Zero);
        }

        var left = grant.Lease - MarginOf(grant.Lease) - time.GetElapsedTime(asked);
        var handOff = new FencedHandOff(this, message.ContactId, grant.HoldId, null, left);
        if (left <= TimeSpan.Zero)
        {
            await handOff.DisposeAsync();
            throw new DependencyUnavailableException($"Contacts granted the hold for message '{message.Id}' too late to hand it over within it.");
        }

        return handOff;
    }

    /// <summary>
    /// <see cref="BeginAsync"/> for a batch in one call (<see cref="ISendFence.BeginSendsAsync"/>): a hand-off per message,
    /// in order (refused ones with Contacts' reason), released together when the batch is disposed
    /// (<see cref="ISendFence.EndSendsAsync"/>, one call). Holds granted too late to hand over within them are all
    /// released and the batch's sends retried later (<see cref="DependencyUnavailableException"/>).
    /// </summary>
    public async Task<FencedBatch> BeginBatchAsync(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        var asked = time.GetTimestamp();
        var grants = await fence.BeginSendsAsync(
            [.. messages.Select(m => new SendHoldRequest(m.ContactId, m.Channel, m.Purpose == Templates.TemplateChannels.Marketing ? "marketing" : "transactional", m.Id))],
            cancellationToken);
        var elapsed = time.GetElapsedTime(asked);
        var handOffs = messages.Zip(grants, (message, grant) => grant is { Allowed: true, HoldId: not null }
            ? new FencedHandOff(this, message.ContactId, grant.HoldId, null, grant.Lease - MarginOf(grant.Lease) - elapsed, releasedByBatch: true)
            : new FencedHandOff(this, message.ContactId, null, grant.Reason ?? "refused", TimeSpan.Zero)).ToList();
        var batch = new FencedBatch(this, handOffs);
        if (handOffs.Any(h => h.Allowed && !h.InTime))
        {
            await batch.DisposeAsync();
            throw new DependencyUnavailableException($"Contacts granted the holds of a batch of {messages.Count} messages too late to hand them over within them.");
        }

        return batch;
    }

    internal async Task EndManyAsync(IReadOnlyList<(string ContactId, string HoldId)> holds)
    {
        if (holds.Count == 0)
        {
            return;
        }

        try
        {
            await fence.EndSendsAsync(holds, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // Best effort: the holds expire after their lease anyway.
            logger.LogWarning(ex, "{Count} holds not released; they expire after their lease", holds.Count);
        }
    }

    internal async Task EndAsync(string contactId, string holdId)
    {
        try
        {
            await fence.EndSendAsync(contactId, holdId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // Best effort: the hold expires after its lease anyway.
            logger.LogWarning(ex, "Hold {HoldId} of contact {ContactId} not released; it expires after its lease", holdId, contactId);
        }
    }

    internal TimeProvider Time => time;
}

/// <summary>One hand-off behind a hold (<see cref="ConsentFence.BeginAsync"/>); disposing it releases the hold.</summary>
public sealed class FencedHandOff : IAsyncDisposable
{
    private readonly ConsentFence _fence;
    private readonly string _contactId;
    private readonly string? _holdId;
    private readonly CancellationTokenSource? _lease;
    private readonly bool _releasedByBatch;
    private CancellationTokenSource? _linked;

    internal FencedHandOff(ConsentFence fence, string contactId, string? holdId, string? reason, TimeSpan left, bool releasedByBatch = false)
    {
        _fence = fence;
        _contactId = contactId;
        _holdId = holdId;
        _releasedByBatch = releasedByBatch;
        Reason = reason;
        InTime = left > TimeSpan.Zero;
        _lease = holdId is not null && left > TimeSpan.Zero ? new CancellationTokenSource(left, fence.Time) : null;
    }

    /// <summary>Whether some of the hold's lease (less its margin) was left when it was granted.</summary>
    internal bool InTime { get; }

    internal string ContactId => _contactId;

    internal string? HoldId => _holdId;

    /// <summary>Whether the message may be handed over (a hold was granted).</summary>
    public bool Allowed => _holdId is not null;

    /// <summary>Why not (Contacts' reason: <c>withdrawn</c>, <c>do-not-contact</c>, <c>no-consent</c>, <c>withdrawing</c>, <c>unknown-contact</c>).</summary>
    public string? Reason { get; }

    /// <summary><paramref name="handOver"/> cancelled too when the hold's lease (less its margin) ends: the hand-off's token.</summary>
    public CancellationToken Token(CancellationToken handOver)
    {
        _linked ??= CancellationTokenSource.CreateLinkedTokenSource(handOver, _lease?.Token ?? new CancellationToken(canceled: true));
        return _linked.Token;
    }

    public async ValueTask DisposeAsync()
    {
        _linked?.Dispose();
        _lease?.Dispose();
        if (_holdId is not null && !_releasedByBatch)
        {
            await _fence.EndAsync(_contactId, _holdId);
        }
    }
}

/// <summary>The hand-offs of a batch (<see cref="ConsentFence.BeginBatchAsync"/>), in the order of its messages; disposing it releases every hold in one call.</summary>
public sealed class FencedBatch : IAsyncDisposable
{
    private readonly ConsentFence _fence;
    private bool _disposed;

    internal FencedBatch(ConsentFence fence, IReadOnlyList<FencedHandOff> handOffs)
    {
        _fence = fence;
        HandOffs = handOffs;
    }

    public IReadOnlyList<FencedHandOff> HandOffs { get; }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var handOff in HandOffs)
        {
            await handOff.DisposeAsync();
        }

        await _fence.EndManyAsync([.. HandOffs.Where(h => h.HoldId is not null).Select(h => (h.ContactId, h.HoldId!))]);
    }
}
