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
}

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
    private CancellationTokenSource? _linked;

    internal FencedHandOff(ConsentFence fence, string contactId, string? holdId, string? reason, TimeSpan left)
    {
        _fence = fence;
        _contactId = contactId;
        _holdId = holdId;
        Reason = reason;
        _lease = holdId is not null && left > TimeSpan.Zero ? new CancellationTokenSource(left, fence.Time) : null;
    }

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
        if (_holdId is not null)
        {
            await _fence.EndAsync(_contactId, _holdId);
        }
    }
}
