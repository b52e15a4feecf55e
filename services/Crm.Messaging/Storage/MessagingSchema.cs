using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Crm.Messaging.Storage;

/// <summary>
/// Messaging's tables / collections. One message per lead and template (the welcome e-mail is sent once); a row in
/// status <c>sending</c> is a delivery's claim, leased by <c>claim_token</c> until <c>lease_until</c>.
/// </summary>
public static class MessagingSchema
{
    public static StorageSchema Value { get; } = new(
    [
        """
        CREATE TABLE IF NOT EXISTS messages (
            id TEXT PRIMARY KEY,
            contact_id TEXT NOT NULL,
            lead_id TEXT NULL,
            channel TEXT NOT NULL,
            template TEXT NOT NULL,
            to_address TEXT NOT NULL,
            subject TEXT NOT NULL,
            status TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            claim_token TEXT NULL,
            lease_until TEXT NULL)
        """,
        // NULL lead ids never collide in a SQLite unique index: messages without a lead are not limited.
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_messages_lead_template ON messages (lead_id, template)",
        "CREATE INDEX IF NOT EXISTS ix_messages_contact ON messages (contact_id, sent_at DESC, id DESC)",
        "CREATE INDEX IF NOT EXISTS ix_messages_sent ON messages (sent_at DESC, id DESC)",
    ], CreateMongoIndexesAsync);

    private static async Task CreateMongoIndexesAsync(IMongoDatabase database, CancellationToken cancellationToken)
    {
        var keys = Builders<MessageDocument>.IndexKeys;
        await database.GetCollection<MessageDocument>(MongoMessageStore.Collection).Indexes.CreateManyAsync(
        [
            new CreateIndexModel<MessageDocument>(
                keys.Ascending(d => d.LeadId).Ascending(d => d.Template),
                new CreateIndexOptions<MessageDocument>
                {
                    Name = "lead_template",
                    Unique = true,
                    // Only messages about a lead are limited to one per template.
                    PartialFilterExpression = new BsonDocument("leadId", new BsonDocument("$type", "string")),
                }),
            new CreateIndexModel<MessageDocument>(
                keys.Ascending(d => d.ContactId).Descending(d => d.SentAt).Descending(d => d.Id),
                new CreateIndexOptions { Name = "contact_sent" }),
            new CreateIndexModel<MessageDocument>(
                keys.Descending(d => d.SentAt).Descending(d => d.Id),
                new CreateIndexOptions { Name = "sent" }),
        ], cancellationToken);
    }
}
