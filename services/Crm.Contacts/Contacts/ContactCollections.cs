using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>The contacts and who owns each identity, with the indexes the list and the search use (<see cref="ContactQueries"/>).</summary>
public static class ContactCollections
{
    /// <summary>
    /// <c>created</c> is the list's order (newest first, id closing it); <c>country_created</c> and <c>stage_created</c> serve
    /// those filters in that order; <c>name_key</c> serves the name prefix search (a range on the normalised name, only
    /// contacts with a name).
    /// </summary>
    public static readonly DocumentCollection<Contact> Contacts = new DocumentCollection<Contact>("contacts")
        .Index("created", i => i.Desc(x => x.CreatedAt).Asc(x => x.Id))
        .Index("country_created", i => i.Asc(x => x.Country).Desc(x => x.CreatedAt).Asc(x => x.Id))
        .Index("stage_created", i => i.Asc(x => x.LifecycleStage).Desc(x => x.CreatedAt).Asc(x => x.Id))
        .Index("name_key", i => i.Asc(x => x.NameKey).Asc(x => x.Id).WhenPresent(x => x.NameKey));

    /// <summary>
    /// One document per identity, id <c>kind:value</c>: the id's uniqueness is what makes find-or-create safe and an
    /// identity's owner single. <c>value</c> serves the search by any identifier (<see cref="ContactQueries.IdentitiesWithValue"/>).
    /// </summary>
    public static readonly DocumentCollection<IdentityOwner> Identities = new DocumentCollection<IdentityOwner>("contact_identities")
        .Index("value", i => i.Asc(x => x.Value));
}
