using Crm.Contacts.Contacts;
using Crm.ServiceDefaults.Storage;
using MongoDB.Driver;

namespace Crm.Contacts.Storage;

/// <summary>
/// Contacts' tables / collections: <c>contacts</c> (e-mails and phones as JSON arrays in SQLite, arrays in
/// MongoDB), <c>contact_identities</c> (one row per identity, primary key kind + value: the uniqueness that makes
/// find-or-create safe under concurrency) and <c>timeline</c> (one row per event, read by contact, newest first).
/// </summary>
public static class ContactsSchema
{
    public const string Contacts = "contacts";
    public const string Identities = "contact_identities";
    public const string Timeline = "timeline";

    public static StorageSchema Value { get; } = new(
    [
        """
        CREATE TABLE IF NOT EXISTS contacts (
            id TEXT PRIMARY KEY,
            name TEXT NULL,
            emails TEXT NOT NULL,
            phones TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS contact_identities (
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (kind, value))
        """,
        "CREATE INDEX IF NOT EXISTS ix_contact_identities_contact ON contact_identities (contact_id)",
        """
        CREATE TABLE IF NOT EXISTS timeline (
            event_id TEXT PRIMARY KEY,
            contact_id TEXT NOT NULL,
            type TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            summary TEXT NOT NULL,
            lead_id TEXT NULL,
            recorded_at TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_timeline_contact ON timeline (contact_id, occurred_at DESC, event_id DESC)",
    ], CreateMongoIndexesAsync);

    public static async Task CreateMongoIndexesAsync(IMongoDatabase database, CancellationToken cancellationToken)
    {
        // _id is "kind:value" already; the explicit unique index states the rule where an operator looks for it.
        await database.GetCollection<ContactIdentityDocument>(Identities).Indexes.CreateManyAsync(
        [
            new CreateIndexModel<ContactIdentityDocument>(
                Builders<ContactIdentityDocument>.IndexKeys.Ascending(d => d.Kind).Ascending(d => d.Value),
                new CreateIndexOptions { Name = "kind_value_unique", Unique = true }),
            new CreateIndexModel<ContactIdentityDocument>(
                Builders<ContactIdentityDocument>.IndexKeys.Ascending(d => d.ContactId),
                new CreateIndexOptions { Name = "contact" }),
        ], cancellationToken);
        await database.GetCollection<TimelineDocument>(Timeline).Indexes.CreateOneAsync(
            new CreateIndexModel<TimelineDocument>(
                Builders<TimelineDocument>.IndexKeys.Ascending(d => d.ContactId).Descending(d => d.OccurredAt).Descending(d => d.Id),
                new CreateIndexOptions { Name = "contact_occurred" }),
            cancellationToken: cancellationToken);
        // Creates the collection outside a transaction (older servers cannot create collections inside one).
        await database.GetCollection<ContactDocument>(Contacts).Indexes.CreateOneAsync(
            new CreateIndexModel<ContactDocument>(
                Builders<ContactDocument>.IndexKeys.Ascending(d => d.CreatedAt),
                new CreateIndexOptions { Name = "created" }),
            cancellationToken: cancellationToken);
    }
}
