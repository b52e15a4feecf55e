using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Orders;

/// <summary>The orders' queries, in one place so their cost is reviewable (rendered in <c>queries.approved.md</c>).</summary>
public static class OrderQueries
{
    /// <summary>A contact's orders, newest placed first (ties by id, descending); index <c>contact_placed</c>.</summary>
    public static Query<Order> OfContact(string contactId) =>
        OrderCollections.Orders.Find(Filter<Order>.Eq(x => x.ContactId, contactId))
            .OrderByDescending(x => x.PlacedAt)
            .ThenByDescending(x => x.Id);

    /// <summary>The contact's order of that reference (at most one); index <c>contact_reference</c>.</summary>
    public static Query<Order> ByReference(string contactId, string reference) =>
        OrderCollections.Orders.Find(Filter<Order>.Eq(x => x.ContactId, contactId) & Filter<Order>.Eq(x => x.Reference, reference))
            .Take(1);
}
