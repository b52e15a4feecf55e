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

/// <summary>
/// One entry of the projection: what queue <see cref="Queue"/> does with an event of <see cref="EventType"/> (the queue
/// also names the watermark the entry moves).
/// </summary>
public sealed record Projector(Type EventType, string Queue, Func<IReadModelStore, object, CancellationToken, Task> Apply);

/// <summary>
/// The one table of which read models each event moves and by which pure rules. Live, each event type has one queue
/// (<c>analytics-{event}</c>, e.g. <c>analytics-lead-captured</c>) whose consumer (<see cref="ProjectEvent{T}"/>) applies
/// every entry of the type in one unit of work: one delivery, one inbox record and one log entry per event, however many
/// read models it moves. A rebuild applies the same entries to each logged event (<see cref="ReplayAsync"/>), so both
/// give the same read models. Merges and erasures are live through their own consumers
/// (<see cref="RekeyOnContactsMerged"/> with <see cref="AnalyticsRekeyer"/>, <see cref="ConfirmErasureOnErasureRequested"/>),
/// which call the same functions (<see cref="CustomerMerging"/>, <see cref="ContactErasure"/>) as their entries here.
/// </summary>
public static class AnalyticsProjection
{
    public static IReadOnlyList<Projector> All { get; } =
    [
        // Daily counters.
        On<LeadCaptured>((s, e, q) => s.Count(CounterRules.For(e), q, e.OccurredAt)),
        On<LeadScored>((s, e, q) =>
        {
            if (CounterRules.IsFirstScore(e))
            {
                s.Count(CounterRules.For(e), q, e.OccurredAt);
            }
        }),
        On<LeadScoresChanged>((s, e, q) =>
        {
            foreach (var scored in (e.Scores ?? []).Where(CounterRules.IsFirstScore))
            {
                s.Count(CounterRules.For(scored), q, e.OccurredAt);
            }
        }),
        On<LeadAssigned>((s, e, q) => s.Count(CounterRules.For(e), q, e.OccurredAt)),
        On<MessageSent>((s, e, q) => s.Count(CounterRules.For(e), q, e.OccurredAt)),
        On<InboundMessageReceived>((s, e, q) => s.Count(RepActivityRules.For(e), q, e.OccurredAt)),
        On<ConversationResolved>((s, e, q) => s.Count(RepActivityRules.For(e), q, e.OccurredAt)),
        On<ConversationCsatRecorded>((s, e, q) => s.Count(RepActivityRules.For(e), q, e.OccurredAt)),

        // The live lead rate: the same rule as the daily counters (an event without a time can never be counted).
        On<LeadCaptured>((s, e, _) =>
        {
            CounterRules.Day(e.OccurredAt);
            s.CountLeadMinute(e.OccurredAt);
        }),

        // Lead facts (and the reps' activity counters moved with them).
        On<LeadCaptured>((s, e, q, ct) => s.ApplyLeadFactAsync(q, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadAssigned>((s, e, q, ct) => s.ApplyLeadFactAsync(q, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadStageChanged>((s, e, q, ct) => s.ApplyLeadFactAsync(q, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadWon>((s, e, q, ct) => s.ApplyLeadFactAsync(q, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadLost>((s, e, q, ct) => s.ApplyLeadFactAsync(q, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadReopened>((s, e, q, ct) => s.ApplyLeadFactAsync(q, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct)),
        On<LeadActivityLogged>(async (s, e, q, ct) =>
        {
            await s.ApplyLeadFactAsync(q, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct);
            s.Count(RepActivityRules.For(e));
        }),
        On<SlaBreached>(async (s, e, q, ct) =>
        {
            await s.ApplyLeadFactAsync(q, e.LeadId, e.OccurredAt, f => LeadFactRules.Apply(f, e), ct);
            s.Count(RepActivityRules.For(e));
        }),

        // Customers.
        On<OrderPlaced>((s, e, q, ct) => s.ApplyCustomerAsync(q, e.ContactId, e.OccurredAt, c => CustomerRules.Apply(c, e), ct)),
        On<LeadCaptured>((s, e, q, ct) => s.ApplyCustomerAsync(q, e.ContactId, e.OccurredAt, c => CustomerRules.Apply(c, e), ct)),
        On<SegmentMembershipChanged>((s, e, q, ct) => s.ApplyCustomerAsync(q, e.ContactId, e.OccurredAt, c => CustomerRules.Apply(c, e), ct)),

        // Message facts.
        On<MessageSent>((s, e, q, ct) => s.ApplyMessageFactAsync(q, e.MessageId, e.OccurredAt, f => MessageFactRules.Apply(f, e), ct)),
        On<MessageDelivered>((s, e, q, ct) => s.ApplyMessageFactAsync(q, e.MessageId, e.OccurredAt, f => MessageFactRules.Apply(f, e), ct)),
        On<MessageFailed>((s, e, q, ct) => s.ApplyMessageFactAsync(q, e.MessageId, e.OccurredAt, f => MessageFactRules.Apply(f, e), ct)),

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

    private static readonly ILookup<(Type, string), Projector> ByQueue = All.ToLookup(p => (p.EventType, p.Queue));

    private static readonly ILookup<Type, Projector> ByType = All.ToLookup(p => p.EventType);

    /// <summary>The queues whose consumers are their own (merges, erasure): not <see cref="ProjectEvent{T}"/>'s.</summary>
    private static readonly HashSet<string> LifecycleQueues =
        [ContactLifecycleQueues.Merged, ContactLifecycleQueues.Unmerged, ContactLifecycleQueues.ErasureRequested];

    /// <summary>The event types the projection reads (a rebuild reads the log's bodies as these).</summary>
    public static IReadOnlyList<Type> EventTypes { get; } = All.Select(p => p.EventType).Distinct().ToList();

    /// <summary>The event types consumed by <see cref="ProjectEvent{T}"/>, one queue each (<see cref="QueueOf"/>).</summary>
    public static IReadOnlyList<Type> ProjectedEventTypes { get; } =
        All.Where(p => !LifecycleQueues.Contains(p.Queue)).Select(p => p.EventType).Distinct().ToList();

    /// <summary>
    /// The queues of earlier versions (one per read model and event) and the event queue that now applies what they
    /// held (<see cref="Crm.ServiceDefaults.Messaging.RetiredQueues"/> moves their waiting messages there at start). A message one of
    /// them held whose event another old queue had applied is dropped by the new queue's inbox: after an upgrade across
    /// this change, <c>./crm analytics-rebuild</c> makes every read model exact from the log.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RetiredQueues(string service)
    {
        string[] leadFacts = ["lead-captured", "lead-assigned", "lead-stage-changed", "lead-won", "lead-lost", "lead-reopened", "lead-activity-logged", "sla-breached"];
        var successors = leadFacts.ToDictionary(e => $"lead-facts-{e}", e => e);
        successors["lead-captured-live"] = "lead-captured";
        successors["customers-lead-captured"] = "lead-captured";
        successors["customers-order-placed"] = "order-placed";
        foreach (var e in (string[])["message-sent", "message-delivered", "message-failed"])
        {
            successors[$"message-facts-{e}"] = e;
        }

        return successors.ToDictionary(p => $"{service}-{p.Key}", p => $"{service}-{p.Value}");
    }

    /// <summary>The queue of an event type (without the <c>analytics-</c> prefix): its name in kebab case, e.g. <c>lead-captured</c>.</summary>
    public static string QueueOf(Type eventType) => KebabCase(eventType.Name);

    /// <summary>
    /// A live consumer's part: every entry of <paramref name="queue"/> for <paramref name="message"/> (of
    /// <paramref name="eventType"/>), into <paramref name="store"/> (<see cref="LiveReadModels"/>: a delivery's unit of
    /// work, or a batch of deliveries). An entry that finds the event invalid changes nothing (as in a rebuild) and is named
    /// in the answer; when every entry finds it invalid, the first one's <see cref="InvalidMessageException"/> is thrown
    /// (the message is a dead letter).
    /// </summary>
    public static async Task<IReadOnlyList<InvalidMessageException>> ProjectAsync(IReadModelStore store, string queue, Type eventType, object message, CancellationToken cancellationToken)
    {
        var projectors = ByQueue[(eventType, queue)].ToList();
        if (projectors.Count == 0)
        {
            throw new InvalidOperationException($"AnalyticsProjection has no entry for {eventType.Name} on queue '{queue}'.");
        }

        var invalid = new List<InvalidMessageException>();
        foreach (var projector in projectors)
        {
            try
            {
                await projector.Apply(store, message, cancellationToken);
            }
            catch (InvalidMessageException ex)
            {
                invalid.Add(ex);
            }
        }

        if (invalid.Count == projectors.Count)
        {
            throw invalid[0];
        }

        return invalid;
    }

    /// <summary>
    /// A rebuild's part: every entry for one logged event. An entry that finds the event invalid changes nothing, as
    /// live (where the event's other entries applied and logged it).
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

    /// <summary>An entry of the event's own queue (<see cref="QueueOf"/>); <c>apply</c> gets the queue for its watermark.</summary>
    private static Projector On<T>(Func<IReadModelStore, T, string, CancellationToken, Task> apply)
    {
        var queue = QueueOf(typeof(T));
        return new(typeof(T), queue, (store, message, cancellationToken) => apply(store, (T)message, queue, cancellationToken));
    }

    private static Projector On<T>(Action<IReadModelStore, T, string> apply)
    {
        var queue = QueueOf(typeof(T));
        return new(typeof(T), queue, (store, message, _) =>
        {
            apply(store, (T)message, queue);
            return Task.CompletedTask;
        });
    }

    /// <summary>An entry of a queue with its own consumer (merges, erasure).</summary>
    private static Projector On<T>(string queue, Func<IReadModelStore, T, CancellationToken, Task> apply) =>
        new(typeof(T), queue, (store, message, cancellationToken) => apply(store, (T)message, cancellationToken));

    private static string KebabCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
