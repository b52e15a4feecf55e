using Crm.Analytics.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.EventLog;

/// <summary>
/// The log's part of an erasure, as the read models' (<see cref="ContactErasure"/>): every entry naming the contact
/// is rewritten to name the anonymous id the customer document moves to (<see cref="ContactRecords.AnonymousIdFor"/>),
/// so a rebuild lands the purchases where the erasure put them and the log keeps no link to the person (personal
/// fields were never logged: <see cref="EventLogEntries"/>). Found by the entries' contact (index <c>contact</c>) and
/// among the merges and un-merges (index <c>type</c>: a merged contact is named in a list). Collected into the erasure's
/// unit of work, each entry replaced at the version read.
/// </summary>
public static class EventLogErasure
{
    private static readonly string[] MergeTypes = [typeof(ContactsMerged).FullName!, typeof(ContactsUnmerged).FullName!];

    /// <summary>Returns how many entries were rewritten.</summary>
    public static async Task<int> ScrubAsync(UnitOfWork unit, string contactId, string requestId, CancellationToken cancellationToken)
    {
        var anonymousId = ContactRecords.AnonymousIdFor(requestId);
        var entries = new Dictionary<string, LoggedEvent>(StringComparer.Ordinal);
        foreach (var entry in await unit.FindAsync(EventLogQueries.OfContact(contactId), cancellationToken))
        {
            entries[entry.Id] = entry;
        }

        foreach (var type in MergeTypes)
        {
            foreach (var entry in await unit.FindAsync(EventLogQueries.OfType(type), cancellationToken))
            {
                entries.TryAdd(entry.Id, entry);
            }
        }

        var rewritten = 0;
        foreach (var entry in entries.Values)
        {
            if (EventLogEntries.Rewrite(entry, contactId, anonymousId) is { } scrubbed)
            {
                unit.Replace(EventLogCollections.Log, scrubbed, entry.Version);
                rewritten++;
            }
        }

        return rewritten;
    }
}
