using Crm.Contacts.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Consent;

/// <summary>
/// The consent fence (<see cref="SendFence"/>) in units of work: a sender's hold (<see cref="BeginAsync"/> /
/// <see cref="EndAsync"/>, gRPC <c>BeginSend</c> / <c>EndSend</c>) and a forbidding consent change committed behind a
/// closed fence (<see cref="CommitClosedAsync{T}"/>). The guarantee: every message whose hold was granted was handed to
/// its provider before (or not at all after) the withdrawal committed, as far as the sender keeps its hand-off within
/// the hold's lease.
/// </summary>
/// <remarks>
/// Why it holds on both stores with reads outside the transaction: a grant reads the fence <b>first</b>, then the
/// consent, and commits only at the fence's version it read. A closing that committed before that read is seen (and the
/// send refused); one that commits after it moves the version, so the grant's commit fails and it runs again and sees
/// the closing. After the withdrawal committed, a grant that reads the fence reads the consent later, so it reads the
/// withdrawal. The withdrawal commits only in a unit whose fence read shows its closing standing and no unexpired hold
/// for the channel, and that unit replaces the fence at that version: a hold granted meanwhile fails it.
/// </remarks>
public sealed class SendFences(UnitOfWork unit, ContactsOptions options, TimeProvider time, ILogger<SendFences> logger)
{
    /// <summary>How often a closing looks again whether the holds it waits for ended.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a closing stands beyond the lease: the wait (at most one lease) and the commit fit in it.</summary>
    public static readonly TimeSpan ClosingMargin = TimeSpan.FromSeconds(15);

    /// <summary>Grants a hold for a send on <paramref name="channel"/>, or refuses it (closing, consent, unknown contact).</summary>
    internal Task<SendGrant> BeginAsync(string contactId, string channel, SendPurpose purpose, string messageId, CancellationToken cancellationToken) =>
        unit.RunAsync(
            async () =>
            {
                // The fence first, then the consent (see the remarks): the order is the guarantee.
                var stored = await unit.GetAsync(SendFenceCollections.Fences, contactId, cancellationToken);
                var consent = await unit.GetAsync(ConsentCollections.Consents, contactId, cancellationToken);
                if (await unit.GetAsync(ContactCollections.Contacts, contactId, cancellationToken) is null)
                {
                    return new SendGrant(false, "unknown-contact", null);
                }

                var (grant, next) = SendFenceRules.Grant(stored ?? SendFence.Empty(contactId), consent, channel, purpose, messageId, Ids.New(), unit.Now, options.SendHoldLease);
                if (next is not null)
                {
                    unit.Save(SendFenceCollections.Fences, next, stored);
                }

                return grant;
            },
            attempts: 10,
            raceOn: SendFenceCollections.Fences,
            cancellationToken: cancellationToken);

    /// <summary>
    /// <see cref="BeginAsync"/> for a sender's batch in one unit of work (one commit for every contact): the fences of
    /// all the contacts read first, then their consents and contacts (the order of the guarantee, as for one send); each
    /// send decided in order on its contact's fence as the batch leaves it. The grants in the order of <paramref name="sends"/>.
    /// </summary>
    internal Task<IReadOnlyList<SendGrant>> BeginManyAsync(IReadOnlyList<(string ContactId, string Channel, SendPurpose Purpose, string MessageId)> sends, CancellationToken cancellationToken) =>
        unit.RunAsync(
            async () =>
            {
                var ids = sends.Select(s => s.ContactId).Distinct(StringComparer.Ordinal).ToList();
                var fences = (await unit.GetManyAsync(SendFenceCollections.Fences, ids, cancellationToken)).ToDictionary(f => f.Id, StringComparer.Ordinal);
                var consents = (await unit.GetManyAsync(ConsentCollections.Consents, ids, cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
                var known = (await unit.GetManyAsync(ContactCollections.Contacts, ids, cancellationToken)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
                var grants = new SendGrant[sends.Count];
                foreach (var contact in sends.Select((send, index) => (send, index)).GroupBy(x => x.send.ContactId, StringComparer.Ordinal))
                {
                    if (!known.Contains(contact.Key))
                    {
                        foreach (var (_, index) in contact)
                        {
                            grants[index] = new SendGrant(false, "unknown-contact", null);
                        }

                        continue;
                    }

                    var stored = fences.GetValueOrDefault(contact.Key);
                    var (decided, next) = SendFenceRules.GrantAll(
                        stored ?? SendFence.Empty(contact.Key),
                        consents.GetValueOrDefault(contact.Key),
                        [.. contact.Select(x => (x.send.Channel, x.send.Purpose, x.send.MessageId, Ids.New()))],
                        unit.Now,
                        options.SendHoldLease);
                    foreach (var ((_, index), grant) in contact.Zip(decided))
                    {
                        grants[index] = grant;
                    }

                    if (next is not null)
                    {
                        unit.Save(SendFenceCollections.Fences, next, stored);
                    }
                }

                return (IReadOnlyList<SendGrant>)grants;
            },
            attempts: 10,
            raceOn: SendFenceCollections.Fences,
            cancellationToken: cancellationToken);

    /// <summary><see cref="EndAsync"/> for a sender's batch in one unit of work: how many of the holds were released.</summary>
    public Task<int> EndManyAsync(IReadOnlyList<(string ContactId, string HoldId)> holds, CancellationToken cancellationToken) =>
        unit.RunAsync(
            async () =>
            {
                var byContact = holds.GroupBy(h => h.ContactId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>)g.Select(h => h.HoldId).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
                var released = 0;
                foreach (var stored in await unit.GetManyAsync(SendFenceCollections.Fences, byContact.Keys, cancellationToken))
                {
                    var ids = byContact[stored.Id];
                    if (SendFenceRules.ReleaseAll(stored, ids, unit.Now) is { } next)
                    {
                        released += stored.Holds.Count(h => ids.Contains(h.Id));
                        unit.Save(SendFenceCollections.Fences, next, stored);
                    }
                }

                return released;
            },
            attempts: 10,
            cancellationToken: cancellationToken);

    /// <summary>Releases the hold (idempotent: false when it was released or had expired already).</summary>
    public Task<bool> EndAsync(string contactId, string holdId, CancellationToken cancellationToken) =>
        unit.RunAsync(
            async () =>
            {
                var stored = await unit.GetAsync(SendFenceCollections.Fences, contactId, cancellationToken);
                if (stored is null || SendFenceRules.Release(stored, holdId, unit.Now) is not { } next)
                {
                    return false;
                }

                unit.Save(SendFenceCollections.Fences, next, stored);
                return true;
            },
            attempts: 10,
            cancellationToken: cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> (a consent change that forbids sending on <paramref name="channel"/>, null: every
    /// channel) behind the closed fence: closes it (no new hold from then on), waits until no unexpired hold for the
    /// channel is left (at most a lease: a hold that expired no longer blocks), then commits the work with the fence
    /// opened again in the same unit. <paramref name="work"/> collects its writes into the unit and may run several times.
    /// Throws <see cref="TimeoutException"/> when the holds did not end within the lease and the margin (a clock jump).
    /// </summary>
    public async Task<T> CommitClosedAsync<T>(string contactId, string? channel, Func<Task<T>> work, IDocumentCollection? raceOn, CancellationToken cancellationToken)
    {
        var closingId = await CloseAsync(contactId, channel, cancellationToken);
        var deadline = time.GetUtcNow() + options.SendHoldLease + ClosingMargin;
        var committed = false;
        try
        {
            for (var lost = 0; ;)
            {
                var outcome = await unit.RunAsync(
                    async () =>
                    {
                        var stored = await unit.GetAsync(SendFenceCollections.Fences, contactId, cancellationToken);
                        if (stored is null || SendFenceRules.Open(stored, closingId, unit.Now) is not { } opened)
                        {
                            return (State: ClosedState.Lost, Result: default(T));
                        }

                        if (SendFenceRules.Blocking(stored, channel, unit.Now).Count > 0)
                        {
                            return (State: ClosedState.Held, Result: default(T));
                        }

                        // The clock read again now that the fence shows no hold: what the work stamps (the ledger's `at`)
                        // is later than every hand-off the closing waited for. Nothing was collected yet in this attempt.
                        unit.Discard();
                        var result = await work();
                        unit.Save(SendFenceCollections.Fences, opened, stored);
                        return (State: ClosedState.Committed, Result: result);
                    },
                    attempts: 10,
                    raceOn: raceOn,
                    cancellationToken: cancellationToken);
                switch (outcome.State)
                {
                    case ClosedState.Committed:
                        committed = true;
                        return outcome.Result!;
                    case ClosedState.Lost when ++lost < 3:
                        // The closing outlived its margin (a very slow store): close again, it may have let holds in.
                        closingId = await CloseAsync(contactId, channel, cancellationToken);
                        deadline = time.GetUtcNow() + options.SendHoldLease + ClosingMargin;
                        continue;
                    case ClosedState.Lost:
                        throw new TimeoutException($"The consent change of contact '{contactId}' could not keep its send fence closed.");
                }

                if (time.GetUtcNow() > deadline)
                {
                    throw new TimeoutException($"Sends in flight for contact '{contactId}' did not end within {options.SendHoldLease + ClosingMargin}.");
                }

                await Task.Delay(PollInterval, cancellationToken);
            }
        }
        finally
        {
            if (!committed)
            {
                await ReopenAsync(contactId, closingId);
            }
        }
    }

    private Task<string> CloseAsync(string contactId, string? channel, CancellationToken cancellationToken)
    {
        var closingId = Ids.New();
        return unit.RunAsync(
            async () =>
            {
                var stored = await unit.GetAsync(SendFenceCollections.Fences, contactId, cancellationToken);
                var until = unit.Now + options.SendHoldLease + ClosingMargin;
                unit.Save(SendFenceCollections.Fences, SendFenceRules.Close(stored ?? SendFence.Empty(contactId), closingId, channel, unit.Now, until), stored);
                return closingId;
            },
            attempts: 10,
            raceOn: SendFenceCollections.Fences,
            cancellationToken: cancellationToken);
    }

    /// <summary>Best effort after a failed or cancelled change: sends resume at once instead of when the closing expires.</summary>
    private async Task ReopenAsync(string contactId, string closingId)
    {
        try
        {
            await unit.RunAsync(
                async () =>
                {
                    var stored = await unit.GetAsync(SendFenceCollections.Fences, contactId, CancellationToken.None);
                    if (stored is not null && SendFenceRules.Open(stored, closingId, unit.Now) is { } opened)
                    {
                        unit.Save(SendFenceCollections.Fences, opened, stored);
                    }

                    return true;
                },
                attempts: 10);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "The send fence of contact {ContactId} stays closed until its closing expires", contactId);
        }
    }

    private enum ClosedState
    {
        Committed,
        Held,
        Lost,
    }
}
