using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Leads;

/// <summary>The Leads store's lead collection and its indexes (the platform adds outbox, inbox, idempotency and timers).</summary>
public static class LeadCollections
{
    /// <summary>
    /// Leads, by id. <c>open_key</c> makes a contact's open lead unique per pipeline (only leads that have the key:
    /// open, contact known); <c>contact</c> finds a contact's leads (merges, erasure, signals by identifier through the
    /// e-mail, phone and external id indexes); the list's sorts (newest, oldest, score) and its most used filters (owner; pipeline
    /// and stage) have their own index, the id closing each (the layer ends every sort with it).
    /// </summary>
    public static readonly DocumentCollection<Lead> Leads = new DocumentCollection<Lead>("leads")
        .Index("open_key", i => i.Asc(x => x.OpenKey).Unique().WhenPresent())
        .Index("contact", i => i.Asc(x => x.ContactId).Desc(x => x.CapturedAt).Asc(x => x.Id))
        .Index("email", i => i.Asc(x => x.Email).Desc(x => x.CapturedAt).Asc(x => x.Id))
        .Index("phone", i => i.Asc(x => x.Phone).Desc(x => x.CapturedAt).Asc(x => x.Id))
        .Index("external_id", i => i.Asc(x => x.ExternalId).Desc(x => x.CapturedAt).Asc(x => x.Id))
        .Index("captured", i => i.Desc(x => x.CapturedAt).Asc(x => x.Id))
        .Index("score", i => i.Desc(x => x.Score).Asc(x => x.Id))
        .Index("owner_captured", i => i.Asc(x => x.OwnerId).Desc(x => x.CapturedAt).Asc(x => x.Id))
        .Index("status_id", i => i.Asc(x => x.Status).Asc(x => x.Id))
        .Index("pipeline_stage", i => i.Asc(x => x.PipelineId).Asc(x => x.Stage).Asc(x => x.Status).Desc(x => x.CapturedAt).Asc(x => x.Id));
}
