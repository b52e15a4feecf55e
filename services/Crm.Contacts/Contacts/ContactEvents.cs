using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>The contact's events, built in one place from the contact as stored after the change.</summary>
public static class ContactEvents
{
    /// <summary><see cref="ContactUpdated"/> with the whole profile after the change and the API names of what changed.</summary>
    public static ContactUpdated Updated(Contact contact, IReadOnlyList<string> changedFields, DateTimeOffset now) => new()
    {
        EventId = Ids.NewGuid(),
        OccurredAt = now,
        ContactId = contact.Id,
        Version = contact.Version,
        Name = contact.Name,
        Emails = contact.Emails,
        Phones = contact.Phones,
        ChangedFields = changedFields,
        ExternalIds = [.. contact.ExternalIds.Select(e => $"{e.Kind}:{e.Value}")],
        Locale = contact.Locale,
        TimeZone = contact.TimeZone,
        Country = contact.Country,
        Region = contact.Region,
        Birthday = contact.Birthday,
        Address = ContactEndpoints.ToDocument(contact.Address),
        LifecycleStage = contact.LifecycleStage.ToString().ToLowerInvariant(),
        Tags = contact.Tags,
    };
}
