using Crm.Assignment.Assignments;
using Crm.Contracts.Api;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using Xunit;

namespace Crm.Assignment.Tests.Storage;

/// <summary>
/// The store's filters, updates and sorts rendered to BSON without a server (those of the assigning transaction
/// included): a wrong element name, an expression the driver cannot translate or a comparison that means something
/// else fails here.
/// </summary>
public sealed class MongoQueryRenderingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 12, 30, 15, 123, TimeSpan.Zero);

    public MongoQueryRenderingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void Reps_after_an_id_in_id_order()
    {
        Assert.Equal(new BsonDocument(), Render(AssignmentMongoQueries.RepsAfter(null)));
        Assert.Equal(BsonDocument.Parse("{ _id: { $gt: 'r1' } }"), Render(AssignmentMongoQueries.RepsAfter("r1")));
        Assert.Equal(BsonDocument.Parse("{ _id: 1 }"), Render(AssignmentMongoQueries.RepsById));
    }

    [Fact]
    public void Rep_settings_update_at_version()
    {
        Assert.Equal(BsonDocument.Parse("{ _id: 'r1', version: NumberLong(4) }"), Render(AssignmentMongoQueries.RepAtVersion("r1", 4)));
        Assert.Equal(
            BsonDocument.Parse("{ $set: { name: 'Rita', capacity: 3, active: false }, $inc: { version: NumberLong(1) } }"),
            Render(AssignmentMongoQueries.UpdateRepSettings("Rita", 3, active: false)));
    }

    [Fact]
    public void Taking_capacity_compares_open_leads_with_capacity_on_the_server()
    {
        Assert.Equal(
            BsonDocument.Parse("{ _id: 'r1', active: true, $expr: { $lt: ['$openLeads', '$capacity'] } }"),
            Render(AssignmentMongoQueries.RepWithRoom("r1")));
        Assert.Equal(BsonDocument.Parse("{ $inc: { openLeads: 1 } }"), Render(AssignmentMongoQueries.TakeCapacity));
    }

    [Fact]
    public void Rep_name_only()
    {
        var rendered = AssignmentMongoQueries.RepName.Render(Args<MongoRepDocument>() with { RenderForFind = true });

        Assert.Equal(BsonDocument.Parse("{ name: 1, _id: 0 }"), rendered.Document);
    }

    [Fact]
    public void Backlog_from_the_start()
    {
        Assert.Equal(BsonDocument.Parse("{ status: 'backlog' }"), Render(AssignmentMongoQueries.BacklogAfter(null)));
    }

    [Fact]
    public void Backlog_after_a_position_follows_the_sort_order()
    {
        var rendered = Render(AssignmentMongoQueries.BacklogAfter(new BacklogPosition(1, At, "l5")));

        Assert.Equal(
            BsonDocument.Parse("""
                { status: 'backlog',
                  $or: [
                    { gradeRank: { $gt: 1 } },
                    { gradeRank: 1, queuedAt: { $gt: ISODate('2026-11-22T12:30:15.123Z') } },
                    { gradeRank: 1, queuedAt: ISODate('2026-11-22T12:30:15.123Z'), _id: { $gt: 'l5' } } ] }
                """),
            rendered);
        Assert.Equal(BsonDocument.Parse("{ gradeRank: 1, queuedAt: 1, _id: 1 }"), Render(AssignmentMongoQueries.BacklogSort));
    }

    [Fact]
    public void Waiting_leads()
    {
        Assert.Equal(BsonDocument.Parse("{ status: 'backlog' }"), Render(AssignmentMongoQueries.Waiting(null)));
        Assert.Equal(BsonDocument.Parse("{ status: 'backlog', _id: 'l1' }"), Render(AssignmentMongoQueries.Waiting("l1")));
    }

    [Fact]
    public void Rescore_writes_grade_rank_score_and_time()
    {
        var rendered = Render(AssignmentMongoQueries.Rescore(new ScoredLead("l1", "c1", Grade.Hot, 80, At)));

        Assert.Equal(
            BsonDocument.Parse("{ $set: { grade: 'hot', gradeRank: 0, score: 80, scoredAt: ISODate('2026-11-22T12:30:15.123Z') } }"),
            rendered);
    }

    [Fact]
    public void Marking_a_backlog_lead_assigned()
    {
        Assert.Equal(BsonDocument.Parse("{ _id: 'l1', status: 'backlog' }"), Render(AssignmentMongoQueries.InBacklog("l1")));
        Assert.Equal(
            BsonDocument.Parse("{ $set: { status: 'assigned', repId: 'r1', assignedAt: ISODate('2026-11-22T12:30:15.123Z') } }"),
            Render(AssignmentMongoQueries.MarkAssigned("r1", At)));
    }

    [Fact]
    public void Moving_the_round_robin_cursor_at_version()
    {
        Assert.Equal(
            BsonDocument.Parse("{ _id: 'round-robin', version: NumberLong(9) }"),
            Render(AssignmentMongoQueries.StateAtVersion("round-robin", 9)));
        Assert.Equal(
            BsonDocument.Parse("{ $set: { cursor: 'r2' }, $inc: { version: NumberLong(1) } }"),
            Render(AssignmentMongoQueries.MoveCursor("r2")));
        Assert.Equal(
            BsonDocument.Parse("{ $set: { cursor: null }, $inc: { version: NumberLong(1) } }"),
            Render(AssignmentMongoQueries.MoveCursor(null)));
    }

    private static RenderArgs<T> Args<T>() => new(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry);

    private static BsonDocument Render<T>(FilterDefinition<T> filter) => filter.Render(Args<T>());

    private static BsonDocument Render<T>(UpdateDefinition<T> update) => update.Render(Args<T>()).AsBsonDocument;

    private static BsonDocument Render<T>(SortDefinition<T> sort) => sort.Render(Args<T>());
}
