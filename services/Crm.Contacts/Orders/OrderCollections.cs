using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Orders;

/// <summary>Orders, the behavioural summaries kept from them, and the loyalty rules.</summary>
public static class OrderCollections
{
    /// <summary>
    /// Index <c>contact_placed</c> serves a contact's orders newest first (<see cref="OrderQueries.OfContact"/>);
    /// <c>contact_reference</c> (unique) makes a second report of one order a duplicate.
    /// </summary>
    public static readonly DocumentCollection<Order> Orders = new DocumentCollection<Order>("orders")
        .Index("contact_placed", i => i.Asc(x => x.ContactId).Desc(x => x.PlacedAt).Desc(x => x.Id))
        .Index("contact_reference", i => i.Asc(x => x.ContactId).Asc(x => x.Reference).Unique());

    /// <summary>One per contact that bought or was sent a message, id = the contact's id; read by id only.</summary>
    public static readonly DocumentCollection<CustomerSummary> Summaries = new("contact_summaries");

    /// <summary>One document, id <see cref="LoyaltyRules.DocumentId"/>.</summary>
    public static readonly DocumentCollection<LoyaltyRules> LoyaltyRules = new("loyalty_rules");

    public static readonly IDocumentCollection[] All = [Orders, Summaries, LoyaltyRules];
}
