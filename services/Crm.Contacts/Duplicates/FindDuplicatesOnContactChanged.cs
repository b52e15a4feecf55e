using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Duplicates;

/// <summary>
/// Queue <c>contacts-find-duplicates</c>: Contacts' own <c>ContactCreated</c> and <c>ContactUpdated</c> (when the name,
/// an identity or the address changed) look for the contact's possible duplicates (<see cref="DuplicateDetector"/>),
/// off the capture's path. It reads the contact as stored now, so events out of order or replayed give the same result.
/// </summary>
public sealed class FindDuplicatesOnContactChanged(UnitOfWork unit) : IConsumer<ContactCreated>, IConsumer<ContactUpdated>
{
    /// <summary>The <c>ContactUpdated.ChangedFields</c> that can change a comparison.</summary>
    public static readonly IReadOnlySet<string> ComparedFields = new HashSet<string>(StringComparer.Ordinal) { "name", "emails", "phones", "address" };

    public Task Consume(ConsumeContext<ContactCreated> context) =>
        DuplicateDetector.RefreshAsync(unit, context.Message.ContactId, context.CancellationToken);

    public Task Consume(ConsumeContext<ContactUpdated> context)
    {
        var changed = context.Message.ChangedFields;
        // No names: a publisher from before the profile existed (it changed identities or the name).
        return changed.Count == 0 || changed.Any(ComparedFields.Contains)
            ? DuplicateDetector.RefreshAsync(unit, context.Message.ContactId, context.CancellationToken)
            : Task.CompletedTask;
    }
}
