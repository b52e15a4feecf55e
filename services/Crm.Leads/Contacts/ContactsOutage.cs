namespace Crm.Leads.Contacts;

/// <summary>
/// Whether this process saw Contacts unavailable since it last answered: set by <see cref="GrpcContactDirectory"/>,
/// taken by the first caller Contacts answers again (<see cref="Crm.Leads.Leads.ResolvePendingContact.AfterContactsAnswered"/>),
/// which then brings every pending lead forward instead of letting each wait out its back-off.
/// </summary>
public sealed class ContactsOutage
{
    private int _seen;

    /// <summary>Contacts did not answer.</summary>
    public void Seen() => Volatile.Write(ref _seen, 1);

    /// <summary>Contacts answered: true once for each outage seen before (to the one caller that ends it).</summary>
    public bool TryEnd() => Volatile.Read(ref _seen) == 1 && Interlocked.Exchange(ref _seen, 0) == 1;
}
