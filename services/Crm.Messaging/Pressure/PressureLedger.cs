using Crm.Contacts.Consent;
using Crm.Messaging.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Pressure;

/// <summary>
/// A contact's budget (document <c>contact_pressure</c>, id = contact id, read by id only): the messages handed to a
/// channel for the contact in the last 7 days, newest first, at most the larger cap of them — what the frequency caps
/// count. Each send takes its place here before it goes, guarded by <see cref="Version"/>.
/// </summary>
public sealed record PressureLedger : IDocument
{
    /// <summary>The contact id.</summary>
    public required string Id { get; init; }
    public List<PressureSend> Sends { get; init; } = [];
    public long Version { get; init; } = 1;
}

/// <summary>One message that went (or was being handed over) to the contact, and when.</summary>
public sealed record PressureSend
{
    public required string MessageId { get; init; }
    public required DateTimeOffset At { get; init; }
}

public static class PressureCollections
{
    public static readonly DocumentCollection<PressureLedger> Ledgers = new("contact_pressure");
}

/// <summary>What the send path knows about a message when it asks <see cref="PressureGate"/>.</summary>
internal sealed record PressureQuestion(string MessageId, ContactCard Contact, string Channel, SendPurpose Purpose, DateTimeOffset? LastInboundWhatsApp, bool ApprovedTemplate);

/// <summary>
/// Contact pressure at send time (<see cref="ContactPressure.Decide"/> on what Contacts answered, the contact's
/// <see cref="PressureLedger"/> and the WhatsApp window), for the messages of a send batch. A message that may go takes its place in the ledger at once
/// (committed before the hand-over, guarded by the ledger's version): of two sends racing for the last place of a cap,
/// the second's write fails, it reads the ledger again and is decided again — it then finds the place taken.
/// </summary>
public sealed class PressureGate(IDocumentStore store, PressurePolicy policy, TimeProvider time)
{
    private const int MaxRounds = 5;

    /// <summary>
    /// The budget of a batch of messages: the ledgers of all its contacts read at once, each message decided
    /// in order on its contact's ledger as the batch leaves it (<see cref="PressureBudget.DecideAll"/>: several messages of
    /// one contact count each other), and every ledger that changed written in one commit, each guarded by its version.
    /// A concurrent send to one of the contacts fails the commit: the whole batch is read and decided again.
    /// </summary>
    internal async Task<IReadOnlyList<PressureDecision>> DecideAndReserveManyAsync(IReadOnlyList<PressureQuestion> questions, CancellationToken cancellationToken)
    {
        if (questions.Count == 0)
        {
            return [];
        }

        for (var round = 1; ; round++)
        {
            var now = time.UtcNowMs();
            var ledgers = (await store.GetManyAsync(PressureCollections.Ledgers, questions.Select(q => q.Contact.Id), cancellationToken)).ToDictionary(l => l.Id, StringComparer.Ordinal);
            var (decisions, changed) = PressureBudget.DecideAll(questions, ledgers, now, policy);
            if (changed.Count == 0)
            {
                return decisions;
            }

            try
            {
                await store.CommitAsync(
                    [.. changed.Select(next => ledgers.GetValueOrDefault(next.Id) is { } stored
                        ? Write.Replace(PressureCollections.Ledgers, next, stored.Version)
                        : Write.Insert(PressureCollections.Ledgers, next))],
                    cancellationToken);
                return decisions;
            }
            catch (Exception ex) when (ex is ConcurrencyException or DuplicateKeyException && round < MaxRounds)
            {
                // Another send to one of the contacts took a place meanwhile: decide the batch again on the ledgers it left.
            }
        }
    }
}

/// <summary>The budget of a batch, pure: each message decided on its contact's ledger as the messages before it left it.</summary>
internal static class PressureBudget
{
    /// <summary>
    /// Decides <paramref name="questions"/> in order (<see cref="ContactPressure.Decide"/>), each on the places its contact
    /// already has (<paramref name="ledgers"/>, by contact id) plus those the batch's earlier messages took; a message's
    /// own earlier place (a retry) is not counted against it but renewed. The decisions in order, and the ledgers that
    /// changed (one per contact, at one version above the stored one; version 1 when none was stored).
    /// </summary>
    public static (IReadOnlyList<PressureDecision> Decisions, IReadOnlyList<PressureLedger> Changed) DecideAll(
        IReadOnlyList<PressureQuestion> questions, IReadOnlyDictionary<string, PressureLedger> ledgers, DateTimeOffset now, PressurePolicy policy)
    {
        var decisions = new PressureDecision[questions.Count];
        var current = new Dictionary<string, List<PressureSend>>(StringComparer.Ordinal);
        var changed = new List<string>();
        for (var i = 0; i < questions.Count; i++)
        {
            var question = questions[i];
            var contactId = question.Contact.Id;
            if (!current.TryGetValue(contactId, out var sends))
            {
                sends = [.. ledgers.GetValueOrDefault(contactId)?.Sends ?? []];
                current[contactId] = sends;
            }

            var others = sends.Where(s => !string.Equals(s.MessageId, question.MessageId, StringComparison.Ordinal)).ToList();
            decisions[i] = ContactPressure.Decide(new PressureRequest
            {
                Channel = question.Channel,
                Purpose = question.Purpose,
                DoNotContact = question.Contact.DoNotContact,
                ChannelConsent = question.Contact.ConsentOf(question.Channel),
                TimeZone = question.Contact.TimeZone,
                Now = now,
                Policy = policy,
                Sent = new PressureCounts([.. others.Select(s => s.At).OrderDescending()]),
                LastInboundWhatsApp = question.LastInboundWhatsApp,
                ApprovedTemplate = question.ApprovedTemplate,
            });
            if (decisions[i].Outcome == PressureOutcome.Send)
            {
                current[contactId] = [new PressureSend { MessageId = question.MessageId, At = now }, .. others];
                if (!changed.Contains(contactId, StringComparer.Ordinal))
                {
                    changed.Add(contactId);
                }
            }
        }

        return (decisions, [.. changed.Select(id => ledgers.GetValueOrDefault(id) is { } stored
            ? stored with { Sends = Kept(current[id], now, policy), Version = stored.Version + 1 }
            : new PressureLedger { Id = id, Sends = Kept(current[id], now, policy), Version = 1 })]);
    }

    /// <summary>The places the caps can still need: the last 7 days, newest first, at most the larger cap.</summary>
    public static List<PressureSend> Kept(IEnumerable<PressureSend> sends, DateTimeOffset now, PressurePolicy policy)
    {
        var keep = Math.Max(policy.DailyCap, policy.WeeklyCap);
        return [.. sends.Where(s => s.At > now - TimeSpan.FromDays(7)).OrderByDescending(s => s.At).Take(keep)];
    }
}
