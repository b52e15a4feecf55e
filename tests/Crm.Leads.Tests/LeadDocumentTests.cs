using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Audit;
using Crm.Leads.Leads;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>A lead as both stores keep it (SQLite always, MongoDB when CRM_TEST_MONGO_URL is set), and the ownership rule.</summary>
public sealed class LeadDocumentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 18, 0, 0, 123, TimeSpan.Zero);

    public static TheoryData<Backend> Backends => TestStore.Backends;

    public static Lead NewLead(string? id = null) => new()
    {
        Id = id ?? Ids.New(),
        ContactId = Ids.New(),
        Name = "Ana Lima",
        Email = "ana@example.com",
        Phone = "+4915112345678",
        Source = "spring-campaign",
        Channel = Channel.Whatsapp,
        PagesVisited = 4,
        LastInteractionAt = T0.AddHours(-1),
        Fields = new Dictionary<string, string> { ["utm_campaign"] = "spring", ["budget.max"] = "1200", ["$odd"] = "ok" },
        Score = 27,
        Grade = Grade.Hot,
        ScoreBreakdown =
        [
            new ScoreItem("recent-interaction", 10, "last interaction at 2026-11-22T17:00:00.123Z, within 24 h"),
            new ScoreItem("complete-data", 5, "name, e-mail and phone given"),
            new ScoreItem("pages-visited", 12, "4 pages x 3"),
        ],
        CapturedAt = T0,
        CapturedBy = new Actor { Kind = Actor.PersonKind, Id = "maria-0042", Name = "Maria Manager", Role = "manager" },
        Version = 1,
    };

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Every_field_round_trips(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "leads", LeadCollections.Leads);
        var by = new Actor { Kind = Actor.KeyKind, Id = "shop", Name = "Shop" };
        var lead = NewLead() with
        {
            OwnerId = "rep-1",
            OwnerName = "Rita Rep",
            OwnerTeamId = "team-1",
            AssignedAt = T0.AddMinutes(3),
            Campaign = "spring",
            Utm = new UtmTags { Source = "google", Medium = "cpc", Campaign = "spring", Term = "crm", Content = "b" },
            Interest = "premium",
            Region = "DE-BE",
            Budget = new Money { Amount = "1200.00", Currency = "EUR" },
            DecisionDate = new DateOnly(2026, 12, 24),
            ReferredBy = "cust-7",
            PipelineId = "b2c",
            Stage = "proposal",
            Status = LeadStatus.Won,
            StageEnteredAt = T0.AddMinutes(4),
            StageHistory = [new StageChange { From = null, To = "new", Status = LeadStatus.Open, At = T0, By = by }, new StageChange { From = "new", To = "proposal", Status = LeadStatus.Won, At = T0.AddMinutes(4), By = by }],
            Activities = [new LeadActivity { Id = "a1", Type = "quote-sent", At = T0.AddMinutes(2), Note = "sent", By = by }],
            OpenKey = "c1|b2c",
            Value = new Money { Amount = "990.00", Currency = "EUR" },
            LostReason = "other",
            LostNote = "note",
            ClosedAt = T0.AddMinutes(5),
            UpdatedAt = T0.AddMinutes(5),
            RepeatCaptures = 2,
            Signals = [new SignalBucket("page-view", new DateOnly(2026, 11, 22), 3, T0.AddHours(-2), T0.AddHours(-1)), new SignalBucket("reply", new DateOnly(2026, 11, 21), 1, T0.AddDays(-1), T0.AddDays(-1))],
            Engagement = 22,
            Fit = 5,
            ScoredAt = T0.AddMinutes(5),
            RulesVersion = 4,
            NextReviewAt = T0.AddHours(23),
            LastCapturedAt = T0.AddMinutes(1),
            Version = 3,
        };

        await store.Store.CommitAsync(Write.Insert(LeadCollections.Leads, lead));

        AssertSame(lead, await store.Store.GetAsync(LeadCollections.Leads, lead.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_minimal_lead_round_trips(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "leads", LeadCollections.Leads);
        var lead = NewLead() with
        {
            Name = null,
            Phone = null,
            LastInteractionAt = null,
            PagesVisited = 0,
            Fields = new Dictionary<string, string>(),
            Score = 0,
            Grade = Grade.Cold,
            ScoreBreakdown = [],
            Channel = Channel.Email,
            CapturedBy = null,
        };

        await store.Store.CommitAsync(Write.Insert(LeadCollections.Leads, lead));

        AssertSame(lead, await store.Store.GetAsync(LeadCollections.Leads, lead.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_capture_stores_the_lead_its_events_and_the_idempotent_response_together_or_not_at_all(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "leads", LeadCollections.Leads, ScoringCollections.History);
        var first = NewLead();
        var second = NewLead();
        await Capture(store, first, "key-1");

        await Assert.ThrowsAsync<DuplicateKeyException>(() => Capture(store, second, "key-1"));

        Assert.NotNull(await store.Store.GetAsync(LeadCollections.Leads, first.Id));
        Assert.Null(await store.Store.GetAsync(LeadCollections.Leads, second.Id));
        Assert.Equal(1, await store.Store.CountAsync(ScoringQueries.HistoryOf(first.Id)));
        Assert.Equal(0, await store.Store.CountAsync(ScoringQueries.HistoryOf(second.Id)));
        Assert.Equal([first.Id, first.Id], (await store.PendingEventsAsync<Crm.Contracts.Leads.LeadCaptured>()).Select(e => e.LeadId).Concat((await store.PendingEventsAsync<Crm.Contracts.Leads.LeadScored>()).Select(e => e.LeadId)));
    }

    [Fact]
    public void An_assignment_sets_the_owner_and_moves_the_version_on()
    {
        var lead = NewLead();

        var assigned = lead.AssignedTo("rep-1", "Rita Rep", T0.AddMinutes(1));

        Assert.Equal(lead with { OwnerId = "rep-1", OwnerName = "Rita Rep", AssignedAt = T0.AddMinutes(1), Version = 2 }, assigned);
    }

    [Fact]
    public void A_later_assignment_replaces_the_owner()
    {
        var lead = NewLead().AssignedTo("rep-1", "Rita Rep", T0.AddMinutes(1))!;

        var reassigned = lead.AssignedTo("rep-2", "Rui Rep", T0.AddMinutes(2));

        Assert.Equal(("rep-2", "Rui Rep", T0.AddMinutes(2), 3L), (reassigned!.OwnerId, reassigned.OwnerName, reassigned.AssignedAt, reassigned.Version));
    }

    [Fact]
    public void An_older_assignment_arriving_late_changes_nothing()
    {
        var lead = NewLead().AssignedTo("rep-new", "New Rep", T0.AddMinutes(10))!;

        Assert.Null(lead.AssignedTo("rep-old", "Old Rep", T0.AddMinutes(5)));
    }

    private static async Task Capture(TestStore store, Lead lead, string key)
    {
        var unit = store.NewUnit();
        unit.Insert(LeadCollections.Leads, lead);
        foreach (var message in lead.CaptureEvents())
        {
            unit.Publish(message);
        }

        LeadScoring.Announce(unit, null, lead, "capture");

        unit.RecordIdempotentResponse(new IdempotentResponse
        {
            Scope = CaptureLeadHandler.IdempotencyScope,
            Key = key,
            RequestHash = lead.Id,
            StatusCode = 201,
            Body = "{}",
            CreatedAt = T0,
        });
        await unit.CommitAsync();
    }

    private static void AssertSame(Lead expected, Lead? actual)
    {
        Assert.NotNull(actual);

        // Records compare their lists and dictionaries by reference: compare those by content, the rest as a record.
        Assert.Equal(expected.Fields.OrderBy(f => f.Key, StringComparer.Ordinal), actual.Fields.OrderBy(f => f.Key, StringComparer.Ordinal));
        Assert.Equal(expected.ScoreBreakdown, actual.ScoreBreakdown);
        Assert.Equal(expected.StageHistory, actual.StageHistory);
        Assert.Equal(expected.Activities, actual.Activities);
        Assert.Equal(expected.Signals, actual.Signals);
        Assert.Equal(expected, actual with { Fields = expected.Fields, ScoreBreakdown = expected.ScoreBreakdown, StageHistory = expected.StageHistory, Activities = expected.Activities, Signals = expected.Signals });
    }
}
