using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Duplicates;

/// <summary>
/// Queue <c>contacts-find-duplicates</c>: Contacts' own <c>ContactCreated</c> and <c>ContactUpdated</c> (when the name,
/// an identity or the address changed) look for the contact's possible duplicates (<see cref="DuplicateDetector"/>),
/// off the capture's path; <c>ContactsMerged</c> forgets the merged contacts' keys and pairs (they no longer exist) and
/// compares the survivor again, <c>ContactsUnmerged</c> compares the survivor and the restored contacts again. It reads
/// the contacts as stored now, so events out of order or replayed give the same result.
/// </summary>
public sealed class FindDuplicatesOnContactChanged(UnitOfWork unit) :
    IConsumer<ContactCreated>, IConsumer<ContactUpdated>, IConsumer<ContactsMerged>, IConsumer<ContactsUnmerged>
{
    /// <summary>The <c>ContactUpdated.ChangedFields</c> that can change a comparison.</summary>
    public static readonly IReadOnlySet<string> ComparedFields = new HashSet<string>(StringComparer.Ordinal) { "name", "emails", "phones", "address" };

    public Task Consume(ConsumeContext<ContactCreated> context) =>
        DuplicateDetector.RefreshAsync(unit, context.Message.ContactId, context.CancellationToken);

    public Task Consume(ConsumeContext<ContactsMerged> context) =>
        RefreshAllAsync([context.Message.SurvivorId, .. context.Message.MergedIds ?? []], context.CancellationToken);

    public Task Consume(ConsumeContext<ContactsUnmerged> context) =>
        RefreshAllAsync([context.Message.SurvivorId, .. context.Message.RestoredIds ?? []], context.CancellationToken);

    private async Task RefreshAllAsync(IEnumerable<string> contactIds, CancellationToken cancellationToken)
    {
        foreach (var id in contactIds.Where(i => !string.IsNullOrEmpty(i)).Distinct(StringComparer.Ordinal))
        {
            await DuplicateDetector.RefreshAsync(unit, id, cancellationToken);
        }
    }

    public Task Consume(ConsumeContext<ContactUpdated> context)
    {
        var changed = context.Message.ChangedFields;
        // No names: a publisher from before the profile existed (it changed identities or the name).
        return changed.Count == 0 || changed.Any(ComparedFields.Contains)
            ? DuplicateDetector.RefreshAsync(unit, context.Message.ContactId, context.CancellationToken)
            : Task.CompletedTask;
    }
}
