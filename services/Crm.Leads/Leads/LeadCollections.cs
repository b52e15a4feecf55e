using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Leads;

/// <summary>The Leads store's own collection (the platform adds outbox, inbox, idempotency and timers).</summary>
public static class LeadCollections
{
    /// <summary>Leads, by id. No secondary index yet: nothing reads leads by another field.</summary>
    public static readonly DocumentCollection<Lead> Leads = new("leads");
}
