using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Assignment.Storage;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Driver;

namespace Crm.Assignment.Assignments;

/// <summary>
/// MongoDB: each write is one multi-document transaction. Choose-and-take is made atomic across replicas by
/// (1) the round-robin state document, updated with filter <c>{ _id, version }</c> and <c>$inc version</c> first
/// in every assigning transaction, so two concurrent passes conflict and one of them retries; (2) taking capacity
/// with filter <c>{ _id, active: true, $expr: { $lt: [openLeads, capacity] } }</c>; (3) marking the lead with
/// filter <c>{ _id, status: "backlog" }</c>. A failed guard throws <see cref="ConcurrencyException"/>; the write
/// is retried here a few times (a transient write conflict is retried by the driver), then by the caller
/// (MassTransit redelivery for the consumer).
/// </summary>
public sealed class MongoAssignmentStore(MongoDb db) : IAssignmentStore
{
    public const string Reps = "reps";
    public const string Leads = "leads";
    public const string RoutingState = "routing_state";
    private const int MaxAttempts = 5;

    private IMongoCollection<MongoRepDocument> RepCollection => db.Collection<MongoRepDocument>(Reps);

    private IMongoCollection<MongoLeadAssignmentDocument> LeadCollection => db.Collection<MongoLeadAssignmentDocument>(Leads);

    private IMongoCollection<MongoRoutingStateDocument> StateCollection => db.Collection<MongoRoutingStateDocument>(RoutingState);

    public async Task<Rep?> GetRepAsync(string id, CancellationToken cancellationToken = default)
    {
        var document = await RepCollection.Find(d => d.Id == id).FirstOrDefaultAsync(cancellationToken);
        return document?.ToRep();
    }

    public async Task<IReadOnlyList<Rep>> ListRepsAsync(string? afterId, int limit, CancellationToken cancellationToken = default)
    {
        var documents = await RepCollection.Find(AssignmentMongoQueries.RepsAfter(afterId))
            .Sort(AssignmentMongoQueries.RepsById)
            .Limit(limit)
            .ToListAsync(cancellationToken);
        return documents.Select(d => d.ToRep()).ToList();
    }

    public Task<Rep> CreateRepAsync(Rep rep, CancellationToken cancellationToken = default) =>
        WriteAsync(async tx =>
        {
            await RepCollection.InsertOneAsync(tx.Session, MongoRepDocument.From(rep), cancellationToken: cancellationToken);
            if (CapacityChange.MayFreeCapacity(false, 0, rep.Active, rep.Capacity))
            {
                await AssignAsync(tx, onlyLeadId: null, cancellationToken);
            }

            return (await GetRepAsync(tx, rep.Id, cancellationToken))!;
        }, cancellationToken);

    public Task<RepUpdateResult> UpdateRepAsync(string id, RepPatch patch, long? expectedVersion, CancellationToken cancellationToken = default) =>
        WriteAsync(async tx =>
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

            var result = await RepCollection.UpdateOneAsync(
                tx.Session,
                AssignmentMongoQueries.RepAtVersion(id, current.Version),
                AssignmentMongoQueries.UpdateRepSettings(patched.Name, patched.Capacity, patched.Active),
                cancellationToken: cancellationToken);
            if (result.MatchedCount != 1)
            {
                throw new ConcurrencyException($"Rep {id} changed during the update.");
            }

            if (CapacityChange.MayFreeCapacity(current.Active, current.Capacity, patched.Active, patched.Capacity))
            {
                await AssignAsync(tx, onlyLeadId: null, cancellationToken);
            }

            return new RepUpdateResult(RepUpdateStatus.Updated, await GetRepAsync(tx, id, cancellationToken));
        }, cancellationToken);

    public async Task<LeadAssignment?> GetLeadAsync(string leadId, CancellationToken cancellationToken = default)
    {
        var document = await LeadCollection.Find(d => d.Id == leadId).FirstOrDefaultAsync(cancellationToken);
        if (document is null)
        {
            return null;
        }

        string? repName = null;
        if (document.RepId is { } repId)
        {
            repName = await RepCollection.Find(d => d.Id == repId).Project(AssignmentMongoQueries.RepName).FirstOrDefaultAsync(cancellationToken);
        }

        return document.ToLead(repName);
    }

    public async Task<IReadOnlyList<LeadAssignment>> ListBacklogAsync(BacklogPosition? after, int limit, CancellationToken cancellationToken = default)
    {
        var documents = await LeadCollection.Find(AssignmentMongoQueries.BacklogAfter(after))
            .Sort(AssignmentMongoQueries.BacklogSort)
            .Limit(limit)
            .ToListAsync(cancellationToken);
        return documents.Select(d => d.ToLead()).ToList();
    }

    public Task<bool> RecordScoredLeadAsync(InboxKey inbox, ScoredLead lead, CancellationToken cancellationToken = default) =>
        WriteAsync(async tx =>
        {
            if (!await tx.TryAcceptAsync(inbox, cancellationToken))
            {
                return false;
            }

            var existing = await LeadCollection.Find(tx.Session, d => d.Id == lead.LeadId).FirstOrDefaultAsync(cancellationToken);
            if (existing is null)
            {
                var document = MongoLeadAssignmentDocument.From(new LeadAssignment
                {
                    LeadId = lead.LeadId,
                    ContactId = lead.ContactId,
                    Grade = lead.Grade,
                    Score = lead.Score,
                    ScoredAt = lead.ScoredAt,
                    QueuedAt = tx.Now,
                    Status = LeadStatus.Backlog,
                });
                try
                {
                    await LeadCollection.InsertOneAsync(tx.Session, document, cancellationToken: cancellationToken);
                }
                catch (MongoWriteException ex) when (ex.WriteError?.Category == ServerErrorCategory.DuplicateKey)
                {
                    throw new ConcurrencyException($"Lead {lead.LeadId} was recorded concurrently.", ex);
                }
            }
            else if (existing.ScoredAt <= lead.ScoredAt)
            {
                // Known lead: only a newer score counts (events may arrive out of order).
                await LeadCollection.UpdateOneAsync(
                    tx.Session,
                    d => d.Id == lead.LeadId,
                    AssignmentMongoQueries.Rescore(lead),
                    cancellationToken: cancellationToken);
            }

            await AssignAsync(tx, lead.LeadId, cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Runs a write transaction, again on <see cref="ConcurrencyException"/> (another replica won a race).</summary>
    private async Task<T> WriteAsync<T>(Func<MongoTx, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.InTransactionAsync(work, cancellationToken);
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Choose-and-take inside the caller's transaction: gives backlog leads (only <paramref name="onlyLeadId"/>, or
    /// the whole backlog in serving order) to reps by round robin until nobody has room.
    /// </summary>
    private async Task AssignAsync(MongoTx tx, string? onlyLeadId, CancellationToken cancellationToken)
    {
        var reps = (await RepCollection.Find(tx.Session, Builders<MongoRepDocument>.Filter.Empty).Sort(AssignmentMongoQueries.RepsById).ToListAsync(cancellationToken))
            .Select(d => d.ToRep())
            .ToDictionary(r => r.Id, StringComparer.Ordinal);
        var free = RoundRobin.FreeCapacity(reps.Values.Select(r => r.Slot));
        if (free == 0)
        {
            return;
        }

        var waiting = (await LeadCollection.Find(tx.Session, AssignmentMongoQueries.Waiting(onlyLeadId)).Sort(AssignmentMongoQueries.BacklogSort).Limit(free).ToListAsync(cancellationToken))
            .Select(d => d.ToLead())
            .ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        var state = await StateCollection.Find(tx.Session, d => d.Id == AssignmentSchema.RoundRobinStateId).FirstOrDefaultAsync(cancellationToken);
        var plan = RoundRobin.Plan([.. reps.Values.Select(r => r.Slot)], state?.Cursor, [.. waiting.Select(l => l.LeadId)]);
        if (plan.Allocations.Count == 0)
        {
            return;
        }

        // The cursor first: a concurrent pass on another replica conflicts here, before taking anything.
        await MoveCursorAsync(tx, state, plan.Cursor, cancellationToken);

        var leads = waiting.ToDictionary(l => l.LeadId, StringComparer.Ordinal);
        foreach (var allocation in plan.Allocations)
        {
            var rep = reps[allocation.RepId];
            var lead = leads[allocation.LeadId];
            var taken = await RepCollection.UpdateOneAsync(
                tx.Session,
                AssignmentMongoQueries.RepWithRoom(rep.Id),
                AssignmentMongoQueries.TakeCapacity,
                cancellationToken: cancellationToken);
            var marked = await LeadCollection.UpdateOneAsync(
                tx.Session,
                AssignmentMongoQueries.InBacklog(lead.LeadId),
                AssignmentMongoQueries.MarkAssigned(rep.Id, tx.Now),
                cancellationToken: cancellationToken);
            if (taken.MatchedCount != 1 || marked.MatchedCount != 1)
            {
                throw new ConcurrencyException($"Rep {rep.Id} or lead {lead.LeadId} changed while assigning.");
            }

            await tx.PublishAsync(lead.AssignedEvent(rep, tx.Now), cancellationToken);
        }
    }

    private async Task MoveCursorAsync(MongoTx tx, MongoRoutingStateDocument? state, string? cursor, CancellationToken cancellationToken)
    {
        if (state is null)
        {
            try
            {
                await StateCollection.InsertOneAsync(
                    tx.Session,
                    new MongoRoutingStateDocument { Id = AssignmentSchema.RoundRobinStateId, Cursor = cursor, Version = 1 },
                    cancellationToken: cancellationToken);
                return;
            }
            catch (MongoWriteException ex) when (ex.WriteError?.Category == ServerErrorCategory.DuplicateKey)
            {
                throw new ConcurrencyException("The round-robin state was created concurrently.", ex);
            }
        }

        var version = state.Version;
        var moved = await StateCollection.UpdateOneAsync(
            tx.Session,
            AssignmentMongoQueries.StateAtVersion(AssignmentSchema.RoundRobinStateId, version),
            AssignmentMongoQueries.MoveCursor(cursor),
            cancellationToken: cancellationToken);
        if (moved.MatchedCount != 1)
        {
            throw new ConcurrencyException("The round-robin cursor moved while assigning.");
        }
    }

    private async Task<Rep?> GetRepAsync(MongoTx tx, string id, CancellationToken cancellationToken) =>
        (await RepCollection.Find(tx.Session, d => d.Id == id).FirstOrDefaultAsync(cancellationToken))?.ToRep();
}
