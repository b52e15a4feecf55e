using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>
/// What a service does with its records about contacts when Contacts merges or un-merges them: move every record of
/// <c>mergedId</c> to <c>survivorId</c>, marking each with the merge's id and the contact it came from, and move back
/// exactly the records so marked. Collected into the consuming unit of work (one commit with the inbox record);
/// set-based writes (one conditional update per contact and collection) keep the unit's size independent of how many
/// records a contact has. Implemented once per service, next to its <c>Contacts/ContactLifecycle.cs</c>.
/// </summary>
public interface IContactRekeyer
{
    Task MergeAsync(UnitOfWork unit, string mergeId, string survivorId, string mergedId, CancellationToken cancellationToken);

    Task UnmergeAsync(UnitOfWork unit, string mergeId, string survivorId, string restoredId, CancellationToken cancellationToken);
}

/// <summary>
/// A merge as a service saw it (a document of <c>contact_merge_log</c>, id = the merge's id): applied, and undone. It makes
/// the consumers order-tolerant: a <see cref="ContactsUnmerged"/> that overtakes its <see cref="ContactsMerged"/> records the
/// merge as undone, and the late <see cref="ContactsMerged"/> then moves nothing. Both consumers write it guarded (inserted
/// or replaced at the version read), so the two never interleave: the loser runs again on the winner's state.
/// </summary>
public sealed record ContactMergeLog : IDocument
{
    public static readonly DocumentCollection<ContactMergeLog> Collection = new("contact_merge_log");

    public required string Id { get; init; }
    public required string SurvivorId { get; init; }
    public IReadOnlyList<string> ContactIds { get; init; } = [];
    public DateTimeOffset? MergedAt { get; init; }
    public DateTimeOffset? UndoneAt { get; init; }
    public long Version { get; init; } = 1;
}

/// <summary>Queue <c>{service}-contacts-merged</c>: the service's records of the merged contacts move to the survivor (<see cref="IContactRekeyer"/>).</summary>
public sealed class RekeyOnContactsMerged(UnitOfWork unit, IContactRekeyer rekeyer) : IConsumer<ContactsMerged>
{
    public async Task Consume(ConsumeContext<ContactsMerged> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.SurvivorId) || message.MergedIds is not { Count: > 0 })
        {
            throw new InvalidMessageException("ContactsMerged needs a survivorId and mergedIds.");
        }

        var mergeId = ContactMergeEvents.MergeIdOf(message);
        var log = await unit.GetAsync(ContactMergeLog.Collection, mergeId, context.CancellationToken);
        if (log?.UndoneAt is not null)
        {
            return;
        }

        var merged = ContactMergeEvents.MergedIdsOf(message);
        unit.Save(
            ContactMergeLog.Collection,
            new ContactMergeLog { Id = mergeId, SurvivorId = message.SurvivorId, ContactIds = merged, MergedAt = message.OccurredAt, Version = (log?.Version ?? 0) + 1 },
            log);
        foreach (var mergedId in merged)
        {
            await rekeyer.MergeAsync(unit, mergeId, message.SurvivorId, mergedId, context.CancellationToken);
        }
    }
}

/// <summary>Queue <c>{service}-contacts-unmerged</c>: the records a merge moved go back to the restored contacts (<see cref="IContactRekeyer"/>).</summary>
public sealed class RekeyOnContactsUnmerged(UnitOfWork unit, IContactRekeyer rekeyer) : IConsumer<ContactsUnmerged>
{
    public async Task Consume(ConsumeContext<ContactsUnmerged> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.MergeId) || string.IsNullOrWhiteSpace(message.SurvivorId) || message.RestoredIds is not { Count: > 0 })
        {
            throw new InvalidMessageException("ContactsUnmerged needs a mergeId, a survivorId and restoredIds.");
        }

        var log = await unit.GetAsync(ContactMergeLog.Collection, message.MergeId, context.CancellationToken);
        var restored = ContactMergeEvents.RestoredIdsOf(message);
        unit.Save(
            ContactMergeLog.Collection,
            (log ?? new ContactMergeLog { Id = message.MergeId, SurvivorId = message.SurvivorId, ContactIds = restored }) with { UndoneAt = message.OccurredAt, Version = (log?.Version ?? 0) + 1 },
            log);
        foreach (var restoredId in restored)
        {
            await rekeyer.UnmergeAsync(unit, message.MergeId, message.SurvivorId, restoredId, context.CancellationToken);
        }
    }
}

/// <summary>What a merge event names, read once for the consumers above and for a service replaying its event log.</summary>
public static class ContactMergeEvents
{
    /// <summary>The merge's id; publishers before un-merges existed sent none: the event's id stands in (such a merge is never undone).</summary>
    public static string MergeIdOf(ContactsMerged message) =>
        string.IsNullOrWhiteSpace(message.MergeId) ? message.EventId.ToString("N") : message.MergeId;

    /// <summary>The contacts merged into the survivor (blank ids and the survivor left out, each once).</summary>
    public static List<string> MergedIdsOf(ContactsMerged message) =>
        (message.MergedIds ?? []).Where(id => !string.IsNullOrWhiteSpace(id) && id != message.SurvivorId).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The contacts an un-merge restores (blank ids and the survivor left out, each once).</summary>
    public static List<string> RestoredIdsOf(ContactsUnmerged message) =>
        (message.RestoredIds ?? []).Where(id => !string.IsNullOrWhiteSpace(id) && id != message.SurvivorId).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>Registration of a service's re-keying.</summary>
public static class ContactRekeying
{
    /// <summary>
    /// The two consumers on queues <c>{service}-contacts-merged</c> and <c>{service}-contacts-unmerged</c>, with
    /// <typeparamref name="TRekeyer"/> doing the service's part. Add <see cref="ContactMergeLog.Collection"/> to the
    /// service's storage.
    /// </summary>
    public static CrmConsumers AddContactRekeying<TRekeyer>(this CrmConsumers consumers, IServiceCollection services)
        where TRekeyer : class, IContactRekeyer
    {
        services.AddScoped<IContactRekeyer, TRekeyer>();
        return consumers.Add<RekeyOnContactsMerged>("contacts-merged").Add<RekeyOnContactsUnmerged>("contacts-unmerged");
    }
}
