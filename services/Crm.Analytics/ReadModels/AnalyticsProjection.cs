using Crm.Analytics.Contacts;
using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.EventLog;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.Analytics.MessageFacts;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.ReadModels;

/// <summary>What replaying one event did: entries applied, entries that found it invalid (none: no entry reads its type).</summary>
public readonly record struct ReplayOutcome(int Applied, int Invalid);

/// <summary>One entry of the projection: what queue <see cref="Queue"/> does with an event of <see cref="EventType"/>.</summary>
public sealed record Projector(Type EventType, string Queue, Func<IReadModelStore, object, CancellationToken, Task> Apply);

/// <summary>
/// The one table of which read model each event moves and by which pure rules, per queue (<c>analytics-{queue}</c>).
/// A live consumer applies its own queue's entry (<see cref="ProjectAsync{T}"/>); a rebuild applies every entry of the
/// event's type to each logged event (<see cref="ReplayAsync"/>): an event reaches each of its queues once live and is
/// logged once, so both give the same read models. Merges and erasures are live through their own consumers
/// (<see cref="RekeyOnContactsMerged"/> with <see cref="AnalyticsRekeyer"/>, <see cref="ConfirmErasureOnErasureRequested"/>),
/// which call the same functions (<see cref="CustomerMerging"/>, <see cref="ContactErasure"/>) as their entries here.
/// </summary>
public static class AnalyticsProjection
{
    public static IReadOnlyList<Projector> All { get; } =
    [
        // Daily counters.
        On<LeadCaptured>(CountLeadCaptured.Queue, (s, e) => s.Count(CounterRules.For(e), CountLeadCaptured.Queue, e.OccurredAt)),
        On<LeadScored>(CountLeadScored.Queue, (s, e) =>
        {
            if (CounterRules.IsFirstScore(e))
            {
                s.Count(CounterRules.For(e), CountLeadScored.Queue, e.OccurredAt);
            }
        }),
        On<LeadScoresChanged>(CountLeadScoresChanged.Queue, (s, e) =>
        {
            foreach (var scored in (e.Scores ?? []).Where(CounterRules.IsFirstScore))
            {
                s.Count(CounterRules.For(scored), CountLeadScoresChanged.Queue, e.OccurredAt);
            }
        }),
        On<LeadAssigned>(CountLeadAssigned.Queue, (s, e) => s.Count(CounterRules.For(e), CountLeadAssigned.Queue, e.OccurredAt)),
        On<MessageSent>(CountMessageSent.Queue, (s, e) => s.Count(CounterRules.For(e), CountMessageSent.Queue, e.OccurredAt)),
        On<InboundMessageReceived>(CountInboundMessageReceived.Queue, (s, e) => s.Count(RepActivityRules.For(e), CountInboundMessageReceived.Queue, e.OccurredAt)),
        On<ConversationResolved>(CountConversationResolved.Queue, (s, e) => s.Count(RepActivityRules.For(e), CountConversationResolved.Queue, e.OccurredAt)),
        On<ConversationCsatRecorded>(CountConversationCsatRecorded.Queue, (s, e) => s.Count(RepActivityRules.For(e), CountConversationCsatRecorded.Queue, e.OccurredAt)),

        // The live lead rate: the same rule as the daily counters (an event without a time can never be counted).
        On<LeadCaptured>(CountLeadMinute.Queue, (s, e) =>
        {
            CounterRules.Day(e.OccurredAt);
            s.CountLeadMinute(e.OccurredAt);
        }),

        // Lead facts (and the reps' activity counters moved with them).
        On<LeadCaptured>(ApplyLeadCaptured.Queue, (s, e, ct) => s.ApplyLeadFactAsync(ApplyLeadCaptured.Queue, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadAssigned>(ApplyLeadAssigned.Queue, (s, e, ct) => s.ApplyLeadFactAsync(ApplyLeadAssigned.Queue, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadStageChanged>(ApplyLeadStageChanged.Queue, (s, e, ct) => s.ApplyLeadFactAsync(ApplyLeadStageChanged.Queue, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadWon>(ApplyLeadWon.Queue, (s, e, ct) => s.ApplyLeadFactAsync(ApplyLeadWon.Queue, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadLost>(ApplyLeadLost.Queue, (s, e, ct) => s.ApplyLeadFactAsync(ApplyLeadLost.Queue, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadReopened>(ApplyLeadReopened.Queue, (s, e, ct) => s.ApplyLeadFactAsync(ApplyLeadReopened.Queue, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadActivityLogged>(ApplyLeadActivityLogged.Queue, async (s, e, ct) =>
        {
            await s.ApplyLeadFactAsync(ApplyLeadActivityLogged.Queue, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct);
            s.Count(RepActivityRules.For(e));
        }),
        On<SlaBreached>(ApplySlaBreached.Queue, async (s, e, ct) =>
        {
            await s.ApplyLeadFactAsync(ApplySlaBreached.Queue, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct);
            s.Count(RepActivityRules.For(e));
        }),

        // Customers.
        On<OrderPlaced>(ApplyOrderPlaced.Queue, (s, e, ct) => s.ApplyCustomerAsync(ApplyOrderPlaced.Queue, e.ContactId, e.OccurredAt, c => CustomerRules.Apply(c, e), ct)),
        On<LeadCaptured>(ApplyLeadCapturedToCustomer.Queue, (s, e, ct) => s.ApplyCustomerAsync(ApplyLeadCapturedToCustomer.Queue, e.ContactId, e.OccurredAt, c => CustomerRules.Apply(c, e), ct)),

        // Message facts.
        On<MessageSent>(ApplyMessageSent.Queue, (s, e, ct) => s.ApplyMessageFactAsync(ApplyMessageSent.Queue, e.MessageId, e.OccurredAt, f => MessageFactRules.Apply(f, e), ct)),
        On<MessageDelivered>(ApplyMessageDelivered.Queue, (s, e, ct) => s.ApplyMessageFactAsync(ApplyMessageDelivered.Queue, e.MessageId, e.OccurredAt, f => MessageFactRules.Apply(f, e), ct)),
        On<MessageFailed>(ApplyMessageFailed.Queue, (s, e, ct) => s.ApplyMessageFactAsync(ApplyMessageFailed.Queue, e.MessageId, e.OccurredAt, f => MessageFactRules.Apply(f, e), ct)),

        // Merges and erasures (live: their own consumers, calling the same functions). The merge log
        // (contact_merge_log) is the platform's record of which merges were undone; a rebuild keeps it and reads it.
        On<ContactsMerged>(ContactLifecycleQueues.Merged, async (s, e, ct) =>
        {
            var mergeId = ContactMergeEvents.MergeIdOf(e);
            if ((await s.GetAsync(ContactMergeLog.Collection, mergeId, ct))?.UndoneAt is not null)
            {
                return;
            }

            foreach (var mergedId in ContactMergeEvents.MergedIdsOf(e))
            {
                await CustomerMerging.MergeAsync(s, mergeId, e.SurvivorId, mergedId, ct);
            }
        }),
        On<ContactsUnmerged>(ContactLifecycleQueues.Unmerged, async (s, e, ct) =>
        {
            foreach (var restoredId in ContactMergeEvents.RestoredIdsOf(e))
            {
                await CustomerMerging.UnmergeAsync(s, e.MergeId, e.SurvivorId, restoredId, ct);
            }
        }),
        On<ContactErasureRequested>(ContactLifecycleQueues.ErasureRequested, (s, e, ct) => ContactErasure.UnlinkAsync(s, e.ContactId, e.RequestId, ct)),
    ];

    private static readonly Dictionary<(Type, string), Projector> ByQueue = All.ToDictionary(p => (p.EventType, p.Queue));

    private static readonly ILookup<Type, Projector> ByType = All.ToLookup(p => p.EventType);

    /// <summary>The event types the projection reads (a rebuild reads the log's bodies as these).</summary>
    public static IReadOnlyList<Type> EventTypes { get; } = All.Select(p => p.EventType).Distinct().ToList();

    /// <summary>A live consumer's part: its queue's entry for the message, into the consumer's unit of work.</summary>
    public static Task ProjectAsync<T>(this UnitOfWork unit, string queue, ConsumeContext<T> context)
        where T : class =>
        ByQueue.TryGetValue((typeof(T), queue), out var projector)
            ? projector.Apply(new LiveReadModels(unit), context.Message, context.CancellationToken)
            : throw new InvalidOperationException($"AnalyticsProjection has no entry for {typeof(T).Name} on queue '{queue}'.");

    /// <summary>
    /// A rebuild's part: every queue's entry for one logged event. An entry that finds the event invalid changes
    /// nothing, as live (where that queue dead-lettered it while another queue applied and logged it).
    /// </summary>
    public static async Task<ReplayOutcome> ReplayAsync(IReadModelStore store, object message, CancellationToken cancellationToken)
    {
        var (applied, invalid) = (0, 0);
        foreach (var projector in ByType[message.GetType()])
        {
            try
            {
                await projector.Apply(store, message, cancellationToken);
                applied++;
            }
            catch (InvalidMessageException)
            {
                invalid++;
            }
        }

        return new(applied, invalid);
    }

    private static Projector On<T>(string queue, Func<IReadModelStore, T, CancellationToken, Task> apply) =>
        new(typeof(T), queue, (store, message, cancellationToken) => apply(store, (T)message, cancellationToken));

    private static Projector On<T>(string queue, Action<IReadModelStore, T> apply) =>
        new(typeof(T), queue, (store, message, _) =>
        {
            apply(store, (T)message);
            return Task.CompletedTask;
        });
}
