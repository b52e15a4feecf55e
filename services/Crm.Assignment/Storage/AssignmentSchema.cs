using Crm.Assignment.Assignments;
using Crm.ServiceDefaults.Storage;
using MongoDB.Driver;

namespace Crm.Assignment.Storage;

/// <summary>Assignment's tables (SQLite) and indexes (MongoDB). Idempotent.</summary>
public static class AssignmentSchema
{
    /// <summary>The single round-robin state row / document.</summary>
    public const string RoundRobinStateId = "round-robin";

    public static StorageSchema Value { get; } = new(
    [
        """
        CREATE TABLE IF NOT EXISTS reps (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            capacity INTEGER NOT NULL,
            active INTEGER NOT NULL,
            open_leads INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            version INTEGER NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS lead_assignments (
            lead_id TEXT PRIMARY KEY,
            contact_id TEXT NOT NULL,
            grade TEXT NOT NULL,
            grade_rank INTEGER NOT NULL,
            score INTEGER NOT NULL,
            scored_at TEXT NOT NULL,
            queued_at TEXT NOT NULL,
            status TEXT NOT NULL,
            rep_id TEXT NULL,
            assigned_at TEXT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_lead_assignments_backlog ON lead_assignments (status, grade_rank, queued_at, lead_id)",
        "CREATE INDEX IF NOT EXISTS ix_lead_assignments_rep ON lead_assignments (rep_id)",
        """
        CREATE TABLE IF NOT EXISTS routing_state (
            id TEXT PRIMARY KEY,
            cursor TEXT NULL,
            version INTEGER NOT NULL)
        """,
        $"INSERT OR IGNORE INTO routing_state (id, cursor, version) VALUES ('{RoundRobinStateId}', NULL, 0)",
    ], CreateMongoIndexesAsync);

    public static async Task CreateMongoIndexesAsync(IMongoDatabase database, CancellationToken cancellationToken)
    {
        var leads = database.GetCollection<MongoLeadAssignmentDocument>(MongoAssignmentStore.Leads);
        await leads.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<MongoLeadAssignmentDocument>(
                Builders<MongoLeadAssignmentDocument>.IndexKeys.Ascending(d => d.Status).Ascending(d => d.GradeRank).Ascending(d => d.QueuedAt).Ascending(d => d.Id),
                new CreateIndexOptions { Name = "backlog" }),
            new CreateIndexModel<MongoLeadAssignmentDocument>(
                Builders<MongoLeadAssignmentDocument>.IndexKeys.Ascending(d => d.RepId),
                new CreateIndexOptions { Name = "rep" }),
        ], cancellationToken);

        // The round-robin state exists before the first transaction (the store also creates it when missing).
        var state = database.GetCollection<MongoRoutingStateDocument>(MongoAssignmentStore.RoutingState);
        await state.UpdateOneAsync(
            d => d.Id == RoundRobinStateId,
            Builders<MongoRoutingStateDocument>.Update.SetOnInsert(d => d.Version, 0L).SetOnInsert(d => d.Cursor, null),
            new UpdateOptions { IsUpsert = true },
            cancellationToken);
    }
}
