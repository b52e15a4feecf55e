using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Assignment.Storage;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
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
    private const string Backlog = "backlog";
    private const string Assigned = "assigned";

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
        var filter = afterId is null
            ? Builders<MongoRepDocument>.Filter.Empty
            : Builders<MongoRepDocument>.Filter.Gt(d => d.Id, afterId);
        var documents = await RepCollection.Find(filter).SortBy(d => d.Id).Limit(limit).ToListAsync(cancellationToken);
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
                d => d.Id == id && d.Version == current.Version,
                Builders<MongoRepDocument>.Update
                    .Set(d => d.Name, patched.Name)
                    .Set(d => d.Capacity, patched.Capacity)
                    .Set(d => d.Active, patched.Active)
                    .Inc(d => d.Version, 1L),
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
            repName = await RepCollection.Find(d => d.Id == repId).Project(d => d.Name).FirstOrDefaultAsync(cancellationToken);
        }

        return document.ToLead(repName);
    }

    public async Task<IReadOnlyList<LeadAssignment>> ListBacklogAsync(BacklogPosition? after, int limit, CancellationToken cancellationToken = default)
    {
        var f = Builders<MongoLeadAssignmentDocument>.Filter;
        var filter = f.Eq(d => d.Status, Backlog);
        if (after is not null)
        {
            filter &= f.Or(
                f.Gt(d => d.GradeRank, after.GradeRank),
                f.Eq(d => d.GradeRank, after.GradeRank) & f.Gt(d => d.QueuedAt, after.QueuedAt),
                f.Eq(d => d.GradeRank, after.GradeRank) & f.Eq(d => d.QueuedAt, after.QueuedAt) & f.Gt(d => d.Id, after.LeadId));
        }

        var documents = await LeadCollection.Find(filter).Sort(BacklogSort).Limit(limit).ToListAsync(cancellationToken);
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
                    Builders<MongoLeadAssignmentDocument>.Update
                        .Set(d => d.Grade, BacklogOrder.Format(lead.Grade))
                        .Set(d => d.GradeRank, BacklogOrder.Rank(lead.Grade))
                        .Set(d => d.Score, lead.Score)
                        .Set(d => d.ScoredAt, lead.ScoredAt),
                    cancellationToken: cancellationToken);
            }

            await AssignAsync(tx, lead.LeadId, cancellationToken);
            return true;
        }, cancellationToken);

    private static SortDefinition<MongoLeadAssignmentDocument> BacklogSort =>
        Builders<MongoLeadAssignmentDocument>.Sort.Ascending(d => d.GradeRank).Ascending(d => d.QueuedAt).Ascending(d => d.Id);

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
        var reps = (await RepCollection.Find(tx.Session, Builders<MongoRepDocument>.Filter.Empty).SortBy(d => d.Id).ToListAsync(cancellationToken))
            .Select(d => d.ToRep())
            .ToDictionary(r => r.Id, StringComparer.Ordinal);
        var free = RoundRobin.FreeCapacity(reps.Values.Select(r => r.Slot));
        if (free == 0)
        {
            return;
        }

        var f = Builders<MongoLeadAssignmentDocument>.Filter;
        var filter = f.Eq(d => d.Status, Backlog);
        if (onlyLeadId is not null)
        {
            filter &= f.Eq(d => d.Id, onlyLeadId);
        }

        var waiting = (await LeadCollection.Find(tx.Session, filter).Sort(BacklogSort).Limit(free).ToListAsync(cancellationToken))
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

        var hasRoom = new BsonDocumentFilterDefinition<MongoRepDocument>(
            new BsonDocument("$expr", new BsonDocument("$lt", new BsonArray { "$openLeads", "$capacity" })));
        var leads = waiting.ToDictionary(l => l.LeadId, StringComparer.Ordinal);
        foreach (var allocation in plan.Allocations)
        {
            var rep = reps[allocation.RepId];
            var lead = leads[allocation.LeadId];
            var taken = await RepCollection.UpdateOneAsync(
                tx.Session,
                Builders<MongoRepDocument>.Filter.Eq(d => d.Id, rep.Id) & Builders<MongoRepDocument>.Filter.Eq(d => d.Active, true) & hasRoom,
                Builders<MongoRepDocument>.Update.Inc(d => d.OpenLeads, 1),
                cancellationToken: cancellationToken);
            var marked = await LeadCollection.UpdateOneAsync(
                tx.Session,
                d => d.Id == lead.LeadId && d.Status == Backlog,
                Builders<MongoLeadAssignmentDocument>.Update
                    .Set(d => d.Status, Assigned)
                    .Set(d => d.RepId, rep.Id)
                    .Set(d => d.AssignedAt, tx.Now),
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
            d => d.Id == AssignmentSchema.RoundRobinStateId && d.Version == version,
            Builders<MongoRoutingStateDocument>.Update.Set(d => d.Cursor, cursor).Inc(d => d.Version, 1L),
            cancellationToken: cancellationToken);
        if (moved.MatchedCount != 1)
        {
            throw new ConcurrencyException("The round-robin cursor moved while assigning.");
        }
    }

    private async Task<Rep?> GetRepAsync(MongoTx tx, string id, CancellationToken cancellationToken) =>
        (await RepCollection.Find(tx.Session, d => d.Id == id).FirstOrDefaultAsync(cancellationToken))?.ToRep();
}
