using Crm.Contracts.Api;
using Crm.Contracts.Leads;
using Crm.Leads.Leads;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Leads.Tests.Scoring;

/// <summary>Decay applied by the durable timer with a fake clock: a lead whose recent interaction ages past 24 h falls out of hot.</summary>
public sealed class DecayTimerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_decay_timer_scores_again_when_due_and_announces_the_fall_from_hot()
    {
        await using var store = await TestStore.CreateAsync(Backend.Sqlite, "leads", LeadCollections.Leads, ScoringCollections.History, ScoringCollections.Rules);
        var time = new FakeTimeProvider(T0);
        var rules = new ScoringRules(store.Store, Options.Create(new ScoringOptions()), time);
        var lead = (LeadDocumentTests.NewLead() with { LastInteractionAt = T0, PagesVisited = 3, Signals = LeadScoring.CaptureSignals([], 3, T0, T0), CapturedAt = T0 })
            .Scored(await rules.CurrentAsync(default), T0, initial: true);
        Assert.Equal((24, Grade.Hot), (lead.Score, lead.Grade));
        Assert.Equal(T0.AddHours(24).AddMilliseconds(1), lead.NextReviewAt);

        var capture = store.NewUnit(time);
        capture.Insert(LeadCollections.Leads, lead);
        LeadScoring.Announce(capture, null, lead, "capture");
        await capture.CommitAsync();

        // Not due yet: nothing moves.
        time.SetUtcNow(T0.AddHours(24));
        var early = store.NewUnit(time);
        await new DecayLeadScore(rules).HandleAsync(new DueTimer(LeadScoring.DecayTimer, lead.Id, T0.AddHours(24), null, 0), early, default);
        await early.CommitAsync();
        Assert.Equal(24, (await store.Store.GetAsync(LeadCollections.Leads, lead.Id))!.Score);

        time.SetUtcNow(lead.NextReviewAt!.Value);
        var due = store.NewUnit(time);
        await new DecayLeadScore(rules).HandleAsync(new DueTimer(LeadScoring.DecayTimer, lead.Id, lead.NextReviewAt.Value, null, 0), due, default);
        await due.CommitAsync();

        var decayed = (await store.Store.GetAsync(LeadCollections.Leads, lead.Id))!;
        Assert.Equal((14, Grade.Warm), (decayed.Score, decayed.Grade));
        Assert.DoesNotContain(decayed.ScoreBreakdown, l => l.Rule == "recent-interaction");
        Assert.Null(decayed.NextReviewAt);
        var scored = (await store.PendingEventsAsync<LeadScored>())[^1];
        Assert.Equal((14, "warm", 24, "hot", "decay"), (scored.Score, scored.Grade, scored.PreviousScore, scored.PreviousGrade, scored.Cause));
        Assert.Equal(2, await store.Store.CountAsync(ScoringQueries.HistoryOf(lead.Id)));
    }
}
