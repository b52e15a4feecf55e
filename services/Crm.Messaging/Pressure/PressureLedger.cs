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
/// <see cref="PressureLedger"/> and the WhatsApp window). A message that may go takes its place in the ledger at once
/// (committed before the hand-over, guarded by the ledger's version): of two sends racing for the last place of a cap,
/// the second's write fails, it reads the ledger again and is decided again — it then finds the place taken.
/// </summary>
public sealed class PressureGate(IDocumentStore store, PressurePolicy policy, TimeProvider time)
{
    private const int MaxRounds = 5;

    internal async Task<PressureDecision> DecideAndReserveAsync(PressureQuestion question, CancellationToken cancellationToken)
    {
        for (var round = 1; ; round++)
        {
            var now = time.UtcNowMs();
            var ledger = await store.GetAsync(PressureCollections.Ledgers, question.Contact.Id, cancellationToken);

            // This message's own place (a retry after a failed hand-over) is not counted against it: it is renewed.
            var others = (ledger?.Sends ?? []).Where(s => !string.Equals(s.MessageId, question.MessageId, StringComparison.Ordinal)).ToList();
            var decision = ContactPressure.Decide(new PressureRequest
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
            if (decision.Outcome != PressureOutcome.Send)
            {
                return decision;
            }

            var sends = PressureLedgers.Kept([new PressureSend { MessageId = question.MessageId, At = now }, .. others], now, policy);
            try
            {
                await store.CommitAsync(
                    ledger is null
                        ? Write.Insert(PressureCollections.Ledgers, new PressureLedger { Id = question.Contact.Id, Sends = sends, Version = 1 })
                        : Write.Replace(PressureCollections.Ledgers, ledger with { Sends = sends, Version = ledger.Version + 1 }, ledger.Version),
                    cancellationToken);
                return decision;
            }
            catch (Exception ex) when (ex is ConcurrencyException or DuplicateKeyException && round < MaxRounds)
            {
                // Another send to the contact took a place meanwhile: decide again on the ledger it left.
            }
        }
    }

}

/// <summary>What a budget keeps (pure; the send path and merges use it).</summary>
public static class PressureLedgers
{
    /// <summary>The places the caps can still need: the last 7 days, newest first, at most the larger cap.</summary>
    public static List<PressureSend> Kept(IEnumerable<PressureSend> sends, DateTimeOffset now, PressurePolicy policy)
    {
        var keep = Math.Max(policy.DailyCap, policy.WeeklyCap);
        return [.. sends.Where(s => s.At > now - TimeSpan.FromDays(7)).OrderByDescending(s => s.At).Take(keep)];
    }
}
