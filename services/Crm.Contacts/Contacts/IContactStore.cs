using Crm.Contacts.Identity;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Messaging;

namespace Crm.Contacts.Contacts;

/// <summary>The Contacts store: contacts, their unique identities and the timeline built from other services' events.</summary>
public interface IContactStore
{
    Task<Contact?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The contact that owns this normalised identity, if any.</summary>
    Task<Contact?> FindByIdentityAsync(ContactIdentity identity, CancellationToken cancellationToken = default);

    /// <summary>
    /// Find-or-create (<see cref="ContactResolution"/>) in one transaction with its ContactCreated / ContactUpdated
    /// event in the outbox. Throws <see cref="IdentityConflictException"/> when a concurrent writer stored one of
    /// the identities first, <see cref="Crm.ServiceDefaults.Storage.ConcurrencyException"/> when the contact
    /// changed meanwhile: run it again (<see cref="ContactResolver"/> does, once).
    /// </summary>
    Task<ResolveOutcome> ResolveAsync(ResolveCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds an entry to a contact's timeline (the contact need not exist yet). False when the message was applied
    /// before (inbox); then nothing changes. An entry whose event id is already there is kept as it is.
    /// </summary>
    Task<bool> AppendTimelineAsync(InboxKey inbox, TimelineItem item, CancellationToken cancellationToken = default);

    /// <summary>The newest <paramref name="limit"/> entries, newest first.</summary>
    Task<IReadOnlyList<TimelineItem>> GetTimelineAsync(string contactId, int limit, CancellationToken cancellationToken = default);
}

/// <summary>Another writer stored one of the identities first (unique key on kind + value).</summary>
public sealed class IdentityConflictException : Exception
{
    public IdentityConflictException()
    {
    }

    public IdentityConflictException(string message)
        : base(message)
    {
    }

    public IdentityConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
