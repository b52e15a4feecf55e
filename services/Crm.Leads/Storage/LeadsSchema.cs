using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;
using MongoDB.Driver;

namespace Crm.Leads.Storage;

/// <summary>The Leads store's own tables (SQLite) and indexes (MongoDB); the platform adds outbox, inbox and idempotency.</summary>
public static class LeadsSchema
{
    public static StorageSchema Value { get; } = new(
    [
        """
        CREATE TABLE IF NOT EXISTS leads (
            id TEXT PRIMARY KEY,
            contact_id TEXT NOT NULL,
            name TEXT NULL,
            email TEXT NULL,
            phone TEXT NULL,
            source TEXT NOT NULL,
            channel TEXT NOT NULL,
            pages_visited INTEGER NOT NULL,
            last_interaction_at TEXT NULL,
            fields TEXT NOT NULL,
            score INTEGER NOT NULL,
            grade TEXT NOT NULL,
            score_breakdown TEXT NOT NULL,
            owner_id TEXT NULL,
            owner_name TEXT NULL,
            assigned_at TEXT NULL,
            captured_at TEXT NOT NULL,
            version INTEGER NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_leads_contact ON leads (contact_id)",
    ], CreateMongoIndexesAsync);

    private static async Task CreateMongoIndexesAsync(IMongoDatabase database, CancellationToken cancellationToken)
    {
        var leads = database.GetCollection<LeadDocument>(MongoLeadStore.Collection);
        await leads.Indexes.CreateOneAsync(
            new CreateIndexModel<LeadDocument>(Builders<LeadDocument>.IndexKeys.Ascending(d => d.ContactId), new CreateIndexOptions { Name = "contact" }),
            cancellationToken: cancellationToken);
    }
}
