using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.Contracts.Api;
using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Storage;

/// <summary>The store under test and its outbox (to see the events it wrote).</summary>
public sealed record StoreUnderTest(IAssignmentStore Store, IOutboxStore Outbox);

/// <summary>What every <see cref="IAssignmentStore"/> must do; run against SQLite always and MongoDB when a server is given.</summary>
public abstract class AssignmentStoreContract
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private readonly List<LeadAssigned> _events = [];

    protected FakeTimeProvider Time { get; } = new(Start);

    /// <summary>A fresh, empty store whose transactions read <paramref name="time"/>.</summary>
    protected abstract Task<StoreUnderTest> CreateStoreAsync(TimeProvider time);

    [SkippableFact]
    public async Task A_rep_round_trips_every_field()
    {
        var (store, _) = await CreateStoreAsync(Time);
        var rep = NewRep("Ann Example", 7);

        var created = await store.CreateRepAsync(rep);
        var read = await store.GetRepAsync(rep.Id);

        Assert.Equal(rep, created);
        Assert.Equal(rep, read);
        Assert.Null(await store.GetRepAsync(Ids.New()));
    }

    [SkippableFact]
    public async Task Reps_are_listed_in_creation_order_page_by_page()
    {
        var (store, _) = await CreateStoreAsync(Time);
        var reps = new List<Rep>();
        for (var i = 0; i < 5; i++)
        {
            reps.Add(await store.CreateRepAsync(NewRep($"Rep {i}", 1)));
        }

        var first = await store.ListRepsAsync(null, 2);
        var second = await store.ListRepsAsync(first[^1].Id, 2);
        var rest = await store.ListRepsAsync(second[^1].Id, 10);

        Assert.Equal(reps.Select(r => r.Id).Order(StringComparer.Ordinal), first.Concat(second).Concat(rest).Select(r => r.Id));
        Assert.Equal(2, first.Count);
        Assert.Single(rest);
    }

    [SkippableFact]
    public async Task A_patch_changes_what_it_names_and_bumps_the_version()
    {
        var (store, _) = await CreateStoreAsync(Time);
        var rep = await store.CreateRepAsync(NewRep("Ann", 3));

        var renamed = await store.UpdateRepAsync(rep.Id, new RepPatch("Anna", null, null), expectedVersion: 1);
        var same = await store.UpdateRepAsync(rep.Id, new RepPatch("Anna", 3, true), expectedVersion: null);

        Assert.Equal(RepUpdateStatus.Updated, renamed.Status);
        Assert.Equal(rep with { Name = "Anna", Version = 2 }, renamed.Rep);
        Assert.Equal(RepUpdateStatus.Updated, same.Status);
        Assert.Equal(2, same.Rep!.Version);
        Assert.Equal(rep with { Name = "Anna", Version = 2 }, await store.GetRepAsync(rep.Id));
    }

    [SkippableFact]
    public async Task A_stale_version_changes_nothing()
    {
        var (store, _) = await CreateStoreAsync(Time);
        var rep = await store.CreateRepAsync(NewRep("Ann", 3));
        await store.UpdateRepAsync(rep.Id, new RepPatch(null, 4, null), expectedVersion: 1);

        var stale = await store.UpdateRepAsync(rep.Id, new RepPatch("Bob", null, null), expectedVersion: 1);

        Assert.Equal(RepUpdateStatus.VersionMismatch, stale.Status);
        Assert.Equal(2, stale.Rep!.Version);
        Assert.Equal("Ann", (await store.GetRepAsync(rep.Id))!.Name);
    }

    [SkippableFact]
    public async Task Updating_an_unknown_rep_is_not_found()
    {
        var (store, _) = await CreateStoreAsync(Time);

        var result = await store.UpdateRepAsync(Ids.New(), new RepPatch("X", null, null), null);

        Assert.Equal(RepUpdateStatus.NotFound, result.Status);
        Assert.Null(result.Rep);
    }

    [SkippableFact]
    public async Task A_scored_lead_goes_to_a_rep_with_room_and_LeadAssigned_is_in_the_outbox()
    {
        var store = await CreateStoreAsync(Time);
        var rep = await store.Store.CreateRepAsync(NewRep("Ann", 2));
        var lead = Scored(Grade.Hot, 27);

        Assert.True(await store.Store.RecordScoredLeadAsync(Inbox(), lead));

        var stored = await store.Store.GetLeadAsync(lead.LeadId);
        Assert.Equal(
            new LeadAssignment
            {
                LeadId = lead.LeadId,
                ContactId = lead.ContactId,
                Grade = Grade.Hot,
                Score = 27,
                ScoredAt = lead.ScoredAt,
                QueuedAt = Start,
                Status = LeadStatus.Assigned,
                RepId = rep.Id,
                RepName = "Ann",
                AssignedAt = Start,
            },
            stored);
        Assert.Equal(1, (await store.Store.GetRepAsync(rep.Id))!.OpenLeads);
        var assigned = Assert.Single(await AssignedEventsAsync(store));
        Assert.Equal(lead.LeadId, assigned.LeadId);
        Assert.Equal(lead.ContactId, assigned.ContactId);
        Assert.Equal(rep.Id, assigned.RepId);
        Assert.Equal("Ann", assigned.RepName);
        Assert.Equal("hot", assigned.Grade);
        Assert.Equal(27, assigned.Score);
        Assert.Equal(TimeSpan.Zero, assigned.WaitedInBacklog);
        Assert.Equal(Start, assigned.OccurredAt);
        Assert.NotEqual(Guid.Empty, assigned.EventId);
    }

    [SkippableFact]
    public async Task With_nobody_free_the_lead_waits_and_a_new_rep_takes_it()
    {
        var store = await CreateStoreAsync(Time);
        var lead = Scored(Grade.Warm, 12);

        await store.Store.RecordScoredLeadAsync(Inbox(), lead);
        var waiting = await store.Store.GetLeadAsync(lead.LeadId);
        Time.Advance(TimeSpan.FromMinutes(7));
        var rep = await store.Store.CreateRepAsync(NewRep("Ann", 3));

        Assert.Equal(LeadStatus.Backlog, waiting!.Status);
        Assert.Null(waiting.RepId);
        Assert.Null(waiting.AssignedAt);
        Assert.Equal(1, rep.OpenLeads);
        var assigned = await store.Store.GetLeadAsync(lead.LeadId);
        Assert.Equal(LeadStatus.Assigned, assigned!.Status);
        Assert.Equal(rep.Id, assigned.RepId);
        Assert.Equal(Start.AddMinutes(7), assigned.AssignedAt);
        Assert.Empty(await store.Store.ListBacklogAsync(null, 10));
        var published = Assert.Single(await AssignedEventsAsync(store));
        Assert.Equal(TimeSpan.FromMinutes(7), published.WaitedInBacklog);
    }

    [SkippableFact]
    public async Task The_same_message_twice_assigns_once()
    {
        var store = await CreateStoreAsync(Time);
        var rep = await store.Store.CreateRepAsync(NewRep("Ann", 5));
        var inbox = Inbox();
        var lead = Scored(Grade.Hot, 30);

        Assert.True(await store.Store.RecordScoredLeadAsync(inbox, lead));
        Assert.False(await store.Store.RecordScoredLeadAsync(inbox, lead with { Score = 99 }));

        Assert.Equal(1, (await store.Store.GetRepAsync(rep.Id))!.OpenLeads);
        Assert.Equal(30, (await store.Store.GetLeadAsync(lead.LeadId))!.Score);
        Assert.Single(await AssignedEventsAsync(store));
    }

    [SkippableFact]
    public async Task A_rescore_updates_grade_and_score_but_never_reassigns()
    {
        var store = await CreateStoreAsync(Time);
        var ann = await store.Store.CreateRepAsync(NewRep("Ann", 5));
        await store.Store.CreateRepAsync(NewRep("Bob", 5));
        var lead = Scored(Grade.Cold, 3);
        await store.Store.RecordScoredLeadAsync(Inbox(), lead);

        Time.Advance(TimeSpan.FromMinutes(1));
        await store.Store.RecordScoredLeadAsync(Inbox(), lead with { Grade = Grade.Hot, Score = 40, ScoredAt = lead.ScoredAt.AddMinutes(1) });
        await store.Store.RecordScoredLeadAsync(Inbox(), lead with { Grade = Grade.Warm, Score = 15, ScoredAt = lead.ScoredAt.AddSeconds(30) });

        var stored = await store.Store.GetLeadAsync(lead.LeadId);
        Assert.Equal(Grade.Hot, stored!.Grade);
        Assert.Equal(40, stored.Score);
        Assert.Equal(ann.Id, stored.RepId);
        Assert.Equal(Start, stored.QueuedAt);
        Assert.Equal(Start, stored.AssignedAt);
        Assert.Single(await AssignedEventsAsync(store));
        Assert.Equal(1, (await store.Store.GetRepAsync(ann.Id))!.OpenLeads);
    }

    [SkippableFact]
    public async Task Leads_go_round_robin_in_creation_order()
    {
        var store = await CreateStoreAsync(Time);
        var ann = await store.Store.CreateRepAsync(NewRep("Ann", 5));
        var bob = await store.Store.CreateRepAsync(NewRep("Bob", 5));
        var (first, second) = string.CompareOrdinal(ann.Id, bob.Id) < 0 ? (ann, bob) : (bob, ann);

        var owners = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            var lead = Scored(Grade.Warm, 10);
            await store.Store.RecordScoredLeadAsync(Inbox(), lead);
            owners.Add((await store.Store.GetLeadAsync(lead.LeadId))!.RepId);
        }

        Assert.Equal([first.Id, second.Id, first.Id, second.Id, first.Id], owners);
    }

    [SkippableFact]
    public async Task An_inactive_rep_gets_nothing()
    {
        var store = await CreateStoreAsync(Time);
        var ann = await store.Store.CreateRepAsync(NewRep("Ann", 5));
        var bob = await store.Store.CreateRepAsync(NewRep("Bob", 5));
        await store.Store.UpdateRepAsync(bob.Id, new RepPatch(null, null, false), null);

        for (var i = 0; i < 3; i++)
        {
            await store.Store.RecordScoredLeadAsync(Inbox(), Scored(Grade.Hot, 25));
        }

        Assert.Equal(3, (await store.Store.GetRepAsync(ann.Id))!.OpenLeads);
        Assert.Equal(0, (await store.Store.GetRepAsync(bob.Id))!.OpenLeads);
    }

    [SkippableFact]
    public async Task The_backlog_is_served_hot_then_warm_then_cold_oldest_first()
    {
        var store = await CreateStoreAsync(Time);
        var cold = Scored(Grade.Cold, 1);
        var hotLater = Scored(Grade.Hot, 30);
        var warm = Scored(Grade.Warm, 12);
        var hotEarlier = Scored(Grade.Hot, 22);
        await store.Store.RecordScoredLeadAsync(Inbox(), cold);
        Time.Advance(TimeSpan.FromSeconds(1));
        await store.Store.RecordScoredLeadAsync(Inbox(), hotEarlier);
        Time.Advance(TimeSpan.FromSeconds(1));
        await store.Store.RecordScoredLeadAsync(Inbox(), warm);
        Time.Advance(TimeSpan.FromSeconds(1));
        await store.Store.RecordScoredLeadAsync(Inbox(), hotLater);

        var backlog = await store.Store.ListBacklogAsync(null, 10);
        Assert.Equal([hotEarlier.LeadId, hotLater.LeadId, warm.LeadId, cold.LeadId], backlog.Select(l => l.LeadId));
        Assert.All(backlog, l => Assert.Equal(LeadStatus.Backlog, l.Status));

        var rep = await store.Store.CreateRepAsync(NewRep("Ann", 3));

        Assert.Equal(3, rep.OpenLeads);
        Assert.Equal([cold.LeadId], (await store.Store.ListBacklogAsync(null, 10)).Select(l => l.LeadId));
        Assert.Equal(
            new HashSet<string> { hotEarlier.LeadId, hotLater.LeadId, warm.LeadId },
            (await AssignedEventsAsync(store)).Select(e => e.LeadId).ToHashSet());
    }

    [SkippableFact]
    public async Task The_backlog_pages_in_serving_order()
    {
        var store = await CreateStoreAsync(Time);
        var leads = new List<ScoredLead>();
        for (var i = 0; i < 5; i++)
        {
            var lead = Scored(i % 2 == 0 ? Grade.Hot : Grade.Cold, i);
            leads.Add(lead);
            await store.Store.RecordScoredLeadAsync(Inbox(), lead);
            if (i % 3 == 0)
            {
                Time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        var first = await store.Store.ListBacklogAsync(null, 2);
        var second = await store.Store.ListBacklogAsync(first[^1].Position, 2);
        var third = await store.Store.ListBacklogAsync(second[^1].Position, 2);

        var all = await store.Store.ListBacklogAsync(null, 10);
        Assert.Equal(all.Select(l => l.LeadId), first.Concat(second).Concat(third).Select(l => l.LeadId));
        Assert.Equal(5, all.Count);
        Assert.Equal(["hot", "hot", "hot", "cold", "cold"], all.Select(l => l.Grade.ToString().ToLowerInvariant()));
    }

    [SkippableFact]
    public async Task Raising_capacity_or_activating_a_rep_drains_the_backlog()
    {
        var store = await CreateStoreAsync(Time);
        var rep = await store.Store.CreateRepAsync(NewRep("Ann", 1));
        var first = Scored(Grade.Hot, 30);
        var second = Scored(Grade.Hot, 30);
        var third = Scored(Grade.Hot, 30);
        await store.Store.RecordScoredLeadAsync(Inbox(), first);
        await store.Store.RecordScoredLeadAsync(Inbox(), second);
        Assert.Equal(LeadStatus.Backlog, (await store.Store.GetLeadAsync(second.LeadId))!.Status);

        var raised = await store.Store.UpdateRepAsync(rep.Id, new RepPatch(null, 3, null), null);
        Assert.Equal(2, raised.Rep!.OpenLeads);
        Assert.Equal(LeadStatus.Assigned, (await store.Store.GetLeadAsync(second.LeadId))!.Status);

        await store.Store.UpdateRepAsync(rep.Id, new RepPatch(null, null, false), null);
        await store.Store.RecordScoredLeadAsync(Inbox(), third);
        Assert.Equal(LeadStatus.Backlog, (await store.Store.GetLeadAsync(third.LeadId))!.Status);

        var activated = await store.Store.UpdateRepAsync(rep.Id, new RepPatch(null, null, true), null);
        Assert.Equal(3, activated.Rep!.OpenLeads);
        Assert.Equal(rep.Id, (await store.Store.GetLeadAsync(third.LeadId))!.RepId);
        Assert.Equal(3, (await AssignedEventsAsync(store)).Count);
    }

    [SkippableFact]
    public async Task A_capacity_cut_below_open_leads_stops_new_leads()
    {
        var store = await CreateStoreAsync(Time);
        var rep = await store.Store.CreateRepAsync(NewRep("Ann", 3));
        await store.Store.RecordScoredLeadAsync(Inbox(), Scored(Grade.Hot, 30));
        await store.Store.RecordScoredLeadAsync(Inbox(), Scored(Grade.Hot, 30));

        var cut = await store.Store.UpdateRepAsync(rep.Id, new RepPatch(null, 1, null), null);
        var lead = Scored(Grade.Hot, 30);
        await store.Store.RecordScoredLeadAsync(Inbox(), lead);

        Assert.Equal(2, cut.Rep!.OpenLeads);
        Assert.Equal(LeadStatus.Backlog, (await store.Store.GetLeadAsync(lead.LeadId))!.Status);
        Assert.Equal(2, (await store.Store.GetRepAsync(rep.Id))!.OpenLeads);
    }

    [SkippableFact]
    public async Task Capacity_is_never_exceeded_when_leads_arrive_concurrently()
    {
        var store = await CreateStoreAsync(TimeProvider.System);
        var ann = await store.Store.CreateRepAsync(NewRep("Ann", 3));
        var bob = await store.Store.CreateRepAsync(NewRep("Bob", 3));
        var leads = Enumerable.Range(0, 20).Select(_ => Scored(Grade.Warm, 10)).ToList();

        // Two "replicas" (store instances would share nothing more than the database) racing.
        await Task.WhenAll(leads.Select(lead => Task.Run(() => store.Store.RecordScoredLeadAsync(Inbox(), lead))));

        Assert.Equal(3, (await store.Store.GetRepAsync(ann.Id))!.OpenLeads);
        Assert.Equal(3, (await store.Store.GetRepAsync(bob.Id))!.OpenLeads);
        var states = new List<LeadAssignment>();
        foreach (var lead in leads)
        {
            states.Add((await store.Store.GetLeadAsync(lead.LeadId))!);
        }

        Assert.Equal(6, states.Count(s => s.Status == LeadStatus.Assigned));
        Assert.Equal(3, states.Count(s => s.RepId == ann.Id));
        Assert.Equal(3, states.Count(s => s.RepId == bob.Id));
        Assert.Equal(14, (await store.Store.ListBacklogAsync(null, 100)).Count);
        Assert.Equal(6, (await AssignedEventsAsync(store)).Count);
    }

    [SkippableFact]
    public async Task Unknown_leads_are_not_found()
    {
        var (store, _) = await CreateStoreAsync(Time);

        Assert.Null(await store.GetLeadAsync(Ids.New()));
        Assert.Empty(await store.ListBacklogAsync(null, 10));
    }

    protected static Rep NewRep(string name, int capacity) => new()
    {
        Id = Ids.New(),
        Name = name,
        Capacity = capacity,
        Active = true,
        CreatedAt = Start,
    };

    private static ScoredLead Scored(Grade grade, int score) => new(Ids.New(), Ids.New(), grade, score, Start.AddSeconds(-5));

    private static InboxKey Inbox() => new(Ids.New(), nameof(LeadScoredConsumer));

    /// <summary>Every LeadAssigned the store wrote to its outbox so far.</summary>
    private async Task<IReadOnlyList<LeadAssigned>> AssignedEventsAsync(StoreUnderTest store)
    {
        var claimed = await store.Outbox.ClaimAsync("contract-test", 1000, TimeSpan.FromDays(365), CancellationToken.None);
        _events.AddRange(claimed
            .Where(m => m.Type == typeof(LeadAssigned).FullName)
            .Select(m => (LeadAssigned)OutboxSerializer.Read(m).Message));
        return _events.ToList();
    }
}
