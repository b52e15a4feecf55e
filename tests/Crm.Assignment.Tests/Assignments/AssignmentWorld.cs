using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.Contracts.Api;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Assignment.Tests.Assignments;

/// <summary>
/// Assignment's domain services over a real store (SQLite, or MongoDB when CRM_TEST_MONGO_URL is set), driven the
/// way the service drives them: each scored lead in a unit of work that runs again when its commit meets a
/// concurrent change (as the consume pipeline's retries would), rep changes through <see cref="RepRoster"/>.
/// </summary>
public sealed class AssignmentWorld : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    private AssignmentWorld(TestStore store) => Store = store;

    public TestStore Store { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public AssignmentEngine Engine { get; } = new();

    public RepRoster Roster => new(Engine, NullLogger<RepRoster>.Instance);

    public static async Task<AssignmentWorld> CreateAsync(Backend backend) =>
        new(await TestStore.CreateAsync(backend, "assignment", AssignmentCollections.All));

    public UnitOfWork NewUnit(IDocumentStore? store = null) => new(store ?? Store.Store, Time, Store.Signal);

    public Task<Rep> CreateRepAsync(string name, int capacity) => Roster.CreateAsync(NewUnit(), NewRep(name, capacity), CancellationToken.None);

    public Task<RepUpdateResult> UpdateRepAsync(string id, RepPatch patch, long? expectedVersion = null) =>
        Roster.UpdateAsync(NewUnit(), id, patch, expectedVersion, Actor.System, CancellationToken.None);

    /// <summary>One LeadScored, consumed: recorded and routed in a unit of work, run again on a concurrent change.</summary>
    public async Task ScoredAsync(ScoredLead lead, IDocumentStore? store = null, int attempts = 5)
    {
        var unit = NewUnit(store);
        await unit.RunAsync(
            async () =>
            {
                await Engine.RecordScoredAsync(unit, lead, CancellationToken.None);
                return true;
            },
            attempts);
    }

    public Task<Rep?> GetRepAsync(string id) => Store.Store.GetAsync(AssignmentCollections.Reps, id);

    public Task<LeadAssignment?> GetLeadAsync(string id) => Store.Store.GetAsync(AssignmentCollections.Leads, id);

    public Task<IReadOnlyList<LeadAssignment>> BacklogAsync(int limit = 100) => Store.Store.FindAsync(AssignmentQueries.Backlog().Take(limit));

    public Task<IReadOnlyList<LeadAssigned>> AssignedEventsAsync() => Store.PendingEventsAsync<LeadAssigned>();

    public static Rep NewRep(string name, int capacity) => new()
    {
        Id = Ids.New(),
        Name = name,
        Capacity = capacity,
        Active = true,
        CreatedAt = Start,
        CreatedBy = Admin,
    };

    /// <summary>The administrator reps are created by here.</summary>
    public static Actor Admin { get; } = new() { Kind = Actor.PersonKind, Id = "ada", Name = "Ada Admin", Role = "admin" };

    public static ScoredLead Scored(Grade grade, int score) => new(Ids.New(), Ids.New(), grade, score, Start.AddSeconds(-5));

    public ValueTask DisposeAsync() => Store.DisposeAsync();
}
