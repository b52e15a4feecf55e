using Crm.Contracts.Api;
using Crm.Contracts.Leads;
using Crm.Leads.Leads;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>What every <see cref="ILeadStore"/> must do; run against SQLite always and MongoDB when a server is given.</summary>
public abstract class LeadStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 18, 0, 0, 123, TimeSpan.Zero);

    /// <summary>The store under test; also sets <see cref="Outbox"/> and <see cref="Idempotency"/> on the same database.</summary>
    protected abstract Task<ILeadStore> CreateStoreAsync();

    protected IOutboxStore Outbox { get; set; } = null!;

    protected IIdempotencyStore Idempotency { get; set; } = null!;

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
        Version = 1,
    };

    private static IdempotentResponse Idem(string key, string hash = "h1") => new()
    {
        Scope = "leads:capture",
        Key = key,
        RequestHash = hash,
        StatusCode = 201,
        Location = "/api/leads/x",
        Body = """{"id":"x"}""",
        CreatedAt = T0,
    };

    private static InboxKey Inbox() => new(Guid.NewGuid().ToString("N"), nameof(LeadAssignedConsumer));

    public static void AssertSame(Lead expected, Lead? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.ContactId, actual.ContactId);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Email, actual.Email);
        Assert.Equal(expected.Phone, actual.Phone);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.Channel, actual.Channel);
        Assert.Equal(expected.PagesVisited, actual.PagesVisited);
        Assert.Equal(expected.LastInteractionAt, actual.LastInteractionAt);
        Assert.Equal(expected.Fields.OrderBy(f => f.Key, StringComparer.Ordinal), actual.Fields.OrderBy(f => f.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Score, actual.Score);
        Assert.Equal(expected.Grade, actual.Grade);
        Assert.Equal(expected.ScoreBreakdown, actual.ScoreBreakdown);
        Assert.Equal(expected.OwnerId, actual.OwnerId);
        Assert.Equal(expected.OwnerName, actual.OwnerName);
        Assert.Equal(expected.AssignedAt, actual.AssignedAt);
        Assert.Equal(expected.CapturedAt, actual.CapturedAt);
        Assert.Equal(expected.Version, actual.Version);
    }

    [SkippableFact]
    public async Task Capture_then_get_round_trips_every_field()
    {
        var store = await CreateStoreAsync();
        var lead = NewLead() with { OwnerId = "rep-1", OwnerName = "Rita Rep", AssignedAt = T0.AddMinutes(3), Version = 3 };

        await store.CaptureAsync(lead, [], null);

        AssertSame(lead, await store.GetAsync(lead.Id));
    }

    [SkippableFact]
    public async Task Capture_round_trips_a_minimal_lead()
    {
        var store = await CreateStoreAsync();
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
        };

        await store.CaptureAsync(lead, [], null);

        AssertSame(lead, await store.GetAsync(lead.Id));
    }

    [SkippableFact]
    public async Task Get_unknown_is_null()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.GetAsync(Ids.New()));
    }

    [SkippableFact]
    public async Task Capture_writes_both_events_to_the_outbox()
    {
        var store = await CreateStoreAsync();
        var lead = NewLead();

        await store.CaptureAsync(lead, lead.CaptureEvents(), null);

        Assert.Equal(2, await Outbox.CountPendingAsync(CancellationToken.None));
        var pending = await Outbox.ClaimAsync("test", 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        // Both events, in whichever order: two ids made in the same millisecond are not ordered (and consumers never rely on order).
        var messages = pending.Select(OutboxSerializer.Read).Select(m => m.Message).ToList();
        Assert.Equal(2, messages.Count);
        var captured = Assert.Single(messages.OfType<LeadCaptured>());
        Assert.Equal(lead.Id, captured.LeadId);
        Assert.Equal("whatsapp", captured.Channel);
        var scored = Assert.Single(messages.OfType<LeadScored>());
        Assert.Equal(lead.Id, scored.LeadId);
        Assert.Equal(27, scored.Score);
        Assert.Equal("hot", scored.Grade);
        Assert.Equal(3, scored.Reasons.Count);
    }

    [SkippableFact]
    public async Task Capture_keeps_the_idempotent_response()
    {
        var store = await CreateStoreAsync();
        var lead = NewLead();
        var key = Guid.NewGuid().ToString("N");

        await store.CaptureAsync(lead, lead.CaptureEvents(), Idem(key));

        var kept = await Idempotency.GetAsync("leads:capture", key);
        Assert.Equal(Idem(key), kept);
    }

    [SkippableFact]
    public async Task A_taken_idempotency_key_stores_nothing_and_throws()
    {
        var store = await CreateStoreAsync();
        var first = NewLead();
        var second = NewLead();
        var key = Guid.NewGuid().ToString("N");
        await store.CaptureAsync(first, first.CaptureEvents(), Idem(key));

        await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() => store.CaptureAsync(second, second.CaptureEvents(), Idem(key, "h2")));

        Assert.Null(await store.GetAsync(second.Id));
        Assert.Equal(2, await Outbox.CountPendingAsync(CancellationToken.None));
        Assert.Equal("h1", (await Idempotency.GetAsync("leads:capture", key))!.RequestHash);
    }

    [SkippableFact]
    public async Task Set_owner_sets_the_owner_and_bumps_the_version()
    {
        var store = await CreateStoreAsync();
        var lead = NewLead();
        await store.CaptureAsync(lead, [], null);

        Assert.True(await store.SetOwnerAsync(Inbox(), lead.Id, "rep-1", "Rita Rep", T0.AddMinutes(1)));

        AssertSame(lead with { OwnerId = "rep-1", OwnerName = "Rita Rep", AssignedAt = T0.AddMinutes(1), Version = 2 }, await store.GetAsync(lead.Id));
    }

    [SkippableFact]
    public async Task Set_owner_twice_with_the_same_message_changes_nothing_the_second_time()
    {
        var store = await CreateStoreAsync();
        var lead = NewLead();
        await store.CaptureAsync(lead, [], null);
        var inbox = Inbox();
        Assert.True(await store.SetOwnerAsync(inbox, lead.Id, "rep-1", "Rita Rep", T0.AddMinutes(1)));

        Assert.False(await store.SetOwnerAsync(inbox, lead.Id, "rep-2", "Other Rep", T0.AddMinutes(2)));

        AssertSame(lead with { OwnerId = "rep-1", OwnerName = "Rita Rep", AssignedAt = T0.AddMinutes(1), Version = 2 }, await store.GetAsync(lead.Id));
    }

    [SkippableFact]
    public async Task Set_owner_of_an_unknown_lead_throws_and_records_nothing()
    {
        var store = await CreateStoreAsync();
        var lead = NewLead();
        var inbox = Inbox();

        await Assert.ThrowsAsync<LeadNotFoundException>(() => store.SetOwnerAsync(inbox, lead.Id, "rep-1", "Rita Rep", T0));

        // The inbox entry was rolled back: once the lead exists, the redelivered message applies.
        await store.CaptureAsync(lead, [], null);
        Assert.True(await store.SetOwnerAsync(inbox, lead.Id, "rep-1", "Rita Rep", T0));
        Assert.Equal("rep-1", (await store.GetAsync(lead.Id))!.OwnerId);
    }

    [SkippableFact]
    public async Task An_older_assignment_arriving_late_does_not_overwrite_a_newer_one()
    {
        var store = await CreateStoreAsync();
        var lead = NewLead();
        await store.CaptureAsync(lead, [], null);
        Assert.True(await store.SetOwnerAsync(Inbox(), lead.Id, "rep-new", "New Rep", T0.AddMinutes(10)));

        Assert.True(await store.SetOwnerAsync(Inbox(), lead.Id, "rep-old", "Old Rep", T0.AddMinutes(5)));

        var stored = await store.GetAsync(lead.Id);
        Assert.Equal("rep-new", stored!.OwnerId);
        Assert.Equal(T0.AddMinutes(10), stored.AssignedAt);
        Assert.Equal(2, stored.Version);
    }

    [SkippableFact]
    public async Task A_reassignment_replaces_the_owner()
    {
        var store = await CreateStoreAsync();
        var lead = NewLead();
        await store.CaptureAsync(lead, [], null);
        await store.SetOwnerAsync(Inbox(), lead.Id, "rep-1", "Rita Rep", T0.AddMinutes(1));

        Assert.True(await store.SetOwnerAsync(Inbox(), lead.Id, "rep-2", "Rui Rep", T0.AddMinutes(2)));

        var stored = await store.GetAsync(lead.Id);
        Assert.Equal(("rep-2", "Rui Rep", T0.AddMinutes(2), 3L), (stored!.OwnerId, stored.OwnerName, stored.AssignedAt, stored.Version));
    }
}
