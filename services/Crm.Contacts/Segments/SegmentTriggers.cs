using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Segments;

/// <summary>
/// Queue <c>contacts-segments</c>: every event of Contacts' own that may change a contact's membership (created,
/// profile updated, consent changed, order placed, loyalty tier changed, erasure requested, merged or un-merged) evaluates
/// that contact against every segment (a merge: the survivor and the merged contacts, which no longer exist and so leave
/// every segment; an un-merge: the survivor and the restored ones), on the state as stored now (so events arriving late
/// or out of order change nothing wrong).
/// </summary>
public sealed class EvaluateSegmentsOnContactChange(UnitOfWork unit, SegmentCatalog catalog) :
    IConsumer<ContactCreated>,
    IConsumer<ContactUpdated>,
    IConsumer<ConsentChanged>,
    IConsumer<OrderPlaced>,
    IConsumer<LoyaltyTierChanged>,
    IConsumer<ContactErasureRequested>,
    IConsumer<ContactsMerged>,
    IConsumer<ContactsUnmerged>
{
    public Task Consume(ConsumeContext<ContactCreated> context) => EvaluateAsync(context.Message.ContactId, context.CancellationToken);

    public Task Consume(ConsumeContext<ContactUpdated> context) => EvaluateAsync(context.Message.ContactId, context.CancellationToken);

    public Task Consume(ConsumeContext<ConsentChanged> context) => EvaluateAsync(context.Message.ContactId, context.CancellationToken);

    public Task Consume(ConsumeContext<OrderPlaced> context) => EvaluateAsync(context.Message.ContactId, context.CancellationToken);

    public Task Consume(ConsumeContext<LoyaltyTierChanged> context) => EvaluateAsync(context.Message.ContactId, context.CancellationToken);

    public Task Consume(ConsumeContext<ContactErasureRequested> context) => EvaluateAsync(context.Message.ContactId, context.CancellationToken);

    public async Task Consume(ConsumeContext<ContactsMerged> context)
    {
        foreach (var id in new[] { context.Message.SurvivorId }.Concat(context.Message.MergedIds ?? []).Distinct(StringComparer.Ordinal))
        {
            await EvaluateAsync(id, context.CancellationToken);
        }
    }

    public async Task Consume(ConsumeContext<ContactsUnmerged> context)
    {
        foreach (var id in new[] { context.Message.SurvivorId }.Concat(context.Message.RestoredIds ?? []).Distinct(StringComparer.Ordinal))
        {
            await EvaluateAsync(id, context.CancellationToken);
        }
    }

    private async Task EvaluateAsync(string? contactId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(contactId))
        {
            throw new InvalidMessageException("The event names no contact.");
        }

        await SegmentMembership.EvaluateContactAsync(unit, await catalog.CurrentAsync(unit.Store, cancellationToken), contactId, cancellationToken);
    }
}

/// <summary>A contact evaluated against every segment after a change that published no event (the summary's last message, recency ageing).</summary>
public sealed class SegmentRefreshTimer(SegmentCatalog catalog) : ITimerHandler
{
    public string Kind => SegmentMembership.RefreshKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken) =>
        await SegmentMembership.EvaluateContactAsync(unit, await catalog.CurrentAsync(unit.Store, cancellationToken), timer.Key, cancellationToken);
}

/// <summary>A time-based rule's answer for one contact may have changed (key <c>{segmentId}:{contactId}</c>): that segment evaluated for that contact again.</summary>
public sealed class SegmentClockTimer(SegmentCatalog catalog) : ITimerHandler
{
    public string Kind => SegmentMembership.ClockKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var separator = timer.Key.IndexOf(':', StringComparison.Ordinal);
        var (segmentId, contactId) = (timer.Key[..separator], timer.Key[(separator + 1)..]);
        var segment = (await catalog.CurrentAsync(unit.Store, cancellationToken)).FirstOrDefault(s => s.Segment.Id == segmentId);
        if (segment is null)
        {
            return;
        }

        var membership = await unit.GetAsync(SegmentCollections.Members, timer.Key, cancellationToken);
        SegmentMembership.Apply(unit, segment, contactId, await SegmentMembership.FactsAsync(unit, contactId, cancellationToken), membership);
    }
}

/// <summary>One step of a segment's build (<see cref="SegmentMembership.BuildStepAsync"/>); a stale step (the segment changed since) does nothing.</summary>
public sealed class SegmentBuildTimer : ITimerHandler
{
    public string Kind => SegmentMembership.BuildKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (timer.PayloadAs<BuildProgress>() is { } progress)
        {
            await SegmentMembership.BuildStepAsync(unit, timer.Key, progress, cancellationToken);
        }
    }
}
