using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Assignment.Storage;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Dapper;

namespace Crm.Assignment.Assignments;

/// <summary>
/// SQLite: every write runs in one <c>BEGIN IMMEDIATE</c> transaction, so choose-and-take is serialised across
/// processes sharing the file. The guards in the UPDATEs (room left, still in the backlog, cursor version) are a
/// second line of defence and throw <see cref="ConcurrencyException"/> if they ever fail.
/// </summary>
public sealed class SqliteAssignmentStore(SqliteDb db) : IAssignmentStore
{
    private const string RepColumns =
        "id AS Id, name AS Name, capacity AS Capacity, active AS Active, open_leads AS OpenLeads, created_at AS CreatedAt, version AS Version";

    private const string LeadColumns =
        """
        l.lead_id AS LeadId, l.contact_id AS ContactId, l.grade AS Grade, l.score AS Score, l.scored_at AS ScoredAt,
        l.queued_at AS QueuedAt, l.status AS Status, l.rep_id AS RepId, l.assigned_at AS AssignedAt
        """;

    public Task<Rep?> GetRepAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<RepRow>(new CommandDefinition(
                $"SELECT {RepColumns} FROM reps WHERE id = @id", new { id }, cancellationToken: cancellationToken));
            return row?.ToRep();
        }, cancellationToken);

    public Task<IReadOnlyList<Rep>> ListRepsAsync(string? afterId, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync<RepRow>(new CommandDefinition(
                $"SELECT {RepColumns} FROM reps WHERE @afterId IS NULL OR id > @afterId ORDER BY id LIMIT @limit",
                new { afterId, limit },
                cancellationToken: cancellationToken));
            return (IReadOnlyList<Rep>)rows.Select(r => r.ToRep()).ToList();
        }, cancellationToken);

    public Task<Rep> CreateRepAsync(Rep rep, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            await tx.ExecuteAsync(
                """
                INSERT INTO reps (id, name, capacity, active, open_leads, created_at, version)
                VALUES (@Id, @Name, @Capacity, @Active, @OpenLeads, @CreatedAt, @Version)
                """,
                new { rep.Id, rep.Name, rep.Capacity, Active = rep.Active ? 1 : 0, rep.OpenLeads, rep.CreatedAt, rep.Version },
                cancellationToken);
            if (CapacityChange.MayFreeCapacity(false, 0, rep.Active, rep.Capacity))
            {
                await AssignAsync(tx, onlyLeadId: null, cancellationToken);
            }

            return (await GetRepAsync(tx, rep.Id, cancellationToken))!;
        }, cancellationToken);

    public Task<RepUpdateResult> UpdateRepAsync(string id, RepPatch patch, long? expectedVersion, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            var current = await GetRepAsync(tx, id, cancellationToken);
            if (current is null)
            {
                return new RepUpdateResult(RepUpdateStatus.NotFound, null);
            }

            if (expectedVersion is { } expected && expected != current.Version)
            {
                return new RepUpdateResult(RepUpdateStatus.VersionMismatch, current);
            }

            var patched = current.Apply(patch);
            if (!current.SettingsDiffer(patched))
            {
                return new RepUpdateResult(RepUpdateStatus.Updated, current);
            }

            var updated = await tx.ExecuteAsync(
                "UPDATE reps SET name = @Name, capacity = @Capacity, active = @Active, version = version + 1 WHERE id = @Id AND version = @Version",
                new { patched.Name, patched.Capacity, Active = patched.Active ? 1 : 0, current.Id, current.Version },
                cancellationToken);
            if (updated != 1)
            {
                throw new ConcurrencyException($"Rep {id} changed during the update.");
            }

            if (CapacityChange.MayFreeCapacity(current.Active, current.Capacity, patched.Active, patched.Capacity))
            {
                await AssignAsync(tx, onlyLeadId: null, cancellationToken);
            }

            return new RepUpdateResult(RepUpdateStatus.Updated, await GetRepAsync(tx, id, cancellationToken));
        }, cancellationToken);

    public Task<LeadAssignment?> GetLeadAsync(string leadId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<LeadRow>(new CommandDefinition(
                $"SELECT {LeadColumns}, r.name AS RepName FROM lead_assignments l LEFT JOIN reps r ON r.id = l.rep_id WHERE l.lead_id = @leadId",
                new { leadId },
                cancellationToken: cancellationToken));
            return row?.ToLead();
        }, cancellationToken);

    public Task<IReadOnlyList<LeadAssignment>> ListBacklogAsync(BacklogPosition? after, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync<LeadRow>(new CommandDefinition(
                $"""
                SELECT {LeadColumns}, NULL AS RepName FROM lead_assignments l
                WHERE l.status = 'backlog'
                  AND (@rank IS NULL OR (l.grade_rank, l.queued_at, l.lead_id) > (@rank, @queuedAt, @leadId))
                ORDER BY l.grade_rank, l.queued_at, l.lead_id
                LIMIT @limit
                """,
                new { rank = after?.GradeRank, queuedAt = after?.QueuedAt, leadId = after?.LeadId, limit },
                cancellationToken: cancellationToken));
            return (IReadOnlyList<LeadAssignment>)rows.Select(r => r.ToLead()).ToList();
        }, cancellationToken);

    public Task<bool> RecordScoredLeadAsync(InboxKey inbox, ScoredLead lead, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            if (!await tx.TryAcceptAsync(inbox, cancellationToken))
            {
                return false;
            }

            var grade = BacklogOrder.Format(lead.Grade);
            var rank = BacklogOrder.Rank(lead.Grade);
            var inserted = await tx.ExecuteAsync(
                """
                INSERT OR IGNORE INTO lead_assignments (lead_id, contact_id, grade, grade_rank, score, scored_at, queued_at, status)
                VALUES (@LeadId, @ContactId, @grade, @rank, @Score, @ScoredAt, @now, 'backlog')
                """,
                new { lead.LeadId, lead.ContactId, grade, rank, lead.Score, lead.ScoredAt, now = tx.Now },
                cancellationToken);
            if (inserted == 0)
            {
                // Known lead: only a newer score counts (events may arrive out of order).
                await tx.ExecuteAsync(
                    """
                    UPDATE lead_assignments SET grade = @grade, grade_rank = @rank, score = @Score, scored_at = @ScoredAt
                    WHERE lead_id = @LeadId AND scored_at <= @ScoredAt
                    """,
                    new { lead.LeadId, grade, rank, lead.Score, lead.ScoredAt },
                    cancellationToken);
            }

            await AssignAsync(tx, lead.LeadId, cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Choose-and-take inside the caller's transaction: gives backlog leads (only <paramref name="onlyLeadId"/>, or
    /// the whole backlog in serving order) to reps by round robin until nobody has room.
    /// </summary>
    private static async Task AssignAsync(SqliteTx tx, string? onlyLeadId, CancellationToken cancellationToken)
    {
        var reps = (await tx.QueryAsync<RepRow>($"SELECT {RepColumns} FROM reps ORDER BY id", null, cancellationToken))
            .Select(r => r.ToRep())
            .ToDictionary(r => r.Id, StringComparer.Ordinal);
        var free = RoundRobin.FreeCapacity(reps.Values.Select(r => r.Slot));
        if (free == 0)
        {
            return;
        }

        var waiting = (await tx.QueryAsync<LeadRow>(
                $"""
                SELECT {LeadColumns}, NULL AS RepName FROM lead_assignments l
                WHERE l.status = 'backlog' AND (@onlyLeadId IS NULL OR l.lead_id = @onlyLeadId)
                ORDER BY l.grade_rank, l.queued_at, l.lead_id
                LIMIT @free
                """,
                new { onlyLeadId, free },
                cancellationToken))
            .Select(r => r.ToLead())
            .ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        var state = await tx.QuerySingleOrDefaultAsync<StateRow>(
            "SELECT cursor AS Cursor, version AS Version FROM routing_state WHERE id = @id",
            new { id = AssignmentSchema.RoundRobinStateId },
            cancellationToken) ?? throw new InvalidOperationException("The round-robin state row is missing: was the schema initialised?");
        var plan = RoundRobin.Plan([.. reps.Values.Select(r => r.Slot)], state.Cursor, [.. waiting.Select(l => l.LeadId)]);
        if (plan.Allocations.Count == 0)
        {
            return;
        }

        var leads = waiting.ToDictionary(l => l.LeadId, StringComparer.Ordinal);
        foreach (var allocation in plan.Allocations)
        {
            var rep = reps[allocation.RepId];
            var lead = leads[allocation.LeadId];
            var taken = await tx.ExecuteAsync(
                "UPDATE reps SET open_leads = open_leads + 1 WHERE id = @Id AND active = 1 AND open_leads < capacity",
                new { rep.Id },
                cancellationToken);
            var marked = await tx.ExecuteAsync(
                "UPDATE lead_assignments SET status = 'assigned', rep_id = @repId, assigned_at = @now WHERE lead_id = @leadId AND status = 'backlog'",
                new { repId = rep.Id, now = tx.Now, leadId = lead.LeadId },
                cancellationToken);
            if (taken != 1 || marked != 1)
            {
                throw new ConcurrencyException($"Rep {rep.Id} or lead {lead.LeadId} changed while assigning.");
            }

            await tx.PublishAsync(lead.AssignedEvent(rep, tx.Now), cancellationToken);
        }

        var moved = await tx.ExecuteAsync(
            "UPDATE routing_state SET cursor = @cursor, version = version + 1 WHERE id = @id AND version = @Version",
            new { cursor = plan.Cursor, id = AssignmentSchema.RoundRobinStateId, state.Version },
            cancellationToken);
        if (moved != 1)
        {
            throw new ConcurrencyException("The round-robin cursor moved while assigning.");
        }
    }

    private static async Task<Rep?> GetRepAsync(SqliteTx tx, string id, CancellationToken cancellationToken) =>
        (await tx.QuerySingleOrDefaultAsync<RepRow>($"SELECT {RepColumns} FROM reps WHERE id = @id", new { id }, cancellationToken))?.ToRep();

    private sealed class RepRow
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public long Capacity { get; set; }
        public long Active { get; set; }
        public long OpenLeads { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public long Version { get; set; }

        public Rep ToRep() => new()
        {
            Id = Id,
            Name = Name,
            Capacity = (int)Capacity,
            Active = Active != 0,
            OpenLeads = (int)OpenLeads,
            CreatedAt = CreatedAt,
            Version = Version,
        };
    }

    private sealed class LeadRow
    {
        public string LeadId { get; set; } = "";
        public string ContactId { get; set; } = "";
        public string Grade { get; set; } = "";
        public long Score { get; set; }
        public DateTimeOffset ScoredAt { get; set; }
        public DateTimeOffset QueuedAt { get; set; }
        public string Status { get; set; } = "";
        public string? RepId { get; set; }
        public string? RepName { get; set; }
        public DateTimeOffset? AssignedAt { get; set; }

        public LeadAssignment ToLead() => new()
        {
            LeadId = LeadId,
            ContactId = ContactId,
            Grade = BacklogOrder.Parse(Grade),
            Score = (int)Score,
            ScoredAt = ScoredAt,
            QueuedAt = QueuedAt,
            Status = LeadAssignment.ParseStatus(Status),
            RepId = RepId,
            RepName = RepName,
            AssignedAt = AssignedAt,
        };
    }

    private sealed class StateRow
    {
        public string? Cursor { get; set; }
        public long Version { get; set; }
    }
}
