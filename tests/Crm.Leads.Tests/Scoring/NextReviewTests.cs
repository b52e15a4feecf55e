using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;
using Xunit;
using static Crm.Leads.Tests.Scoring.ScoringTestData;

namespace Crm.Leads.Tests.Scoring;

/// <summary>When time alone changes the outcome next: step boundaries, decision windows, half-life grade moves, the 24 h bound.</summary>
public sealed class NextReviewTests
{
    private static readonly string[] Touches = [SignalTypes.Call, SignalTypes.Reply];
    private static readonly TimeSpan Millisecond = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Nothing_decays_no_review()
    {
        var rules = Set(
            Signal("pages", 3, [SignalTypes.PageView]),
            Fit("complete", 5, FitTests.Complete) with { Fields = [ScoringFields.Email] });

        Assert.Null(Score(rules, Subject(At(SignalTypes.PageView, Now.AddDays(-3), 4))).NextReviewAt);
    }

    [Fact]
    public void Step_boundary_plus_a_millisecond_and_the_outcome_changes_exactly_then()
    {
        var rules = Set(Signal("touch", 10, Touches, count: CountModes.Latest, decay: Steps((24, 0.5), (72, 0))));
        var signal = Now.AddHours(-2);
        var subject = Subject(At(SignalTypes.Call, signal), At(SignalTypes.Reply, Now.AddHours(-30)));

        var outcome = Score(rules, subject);

        Assert.Equal(signal.AddHours(24) + Millisecond, outcome.NextReviewAt);
        Assert.Equal(10, Score(rules, subject, signal.AddHours(24)).Score);
        Assert.Equal(5, Score(rules, subject, outcome.NextReviewAt).Score);
    }

    [Fact]
    public void Next_step_after_the_first_passed_then_none_after_the_last()
    {
        var rules = Set(Signal("touch", 10, Touches, count: CountModes.Latest, decay: Steps((24, 0.5), (72, 0))));
        var signal = Now.AddHours(-30);

        Assert.Equal(signal.AddHours(72) + Millisecond, Score(rules, Subject(At(SignalTypes.Call, signal))).NextReviewAt);
        Assert.Null(Score(rules, Subject(At(SignalTypes.Call, Now.AddHours(-80)))).NextReviewAt);
    }

    [Fact]
    public void A_step_that_keeps_the_same_factor_is_skipped()
    {
        var rules = Set(Signal("touch", 10, Touches, decay: Steps((1, 0.5), (2, 0.5), (3, 0))));
        var signal = Now.AddMinutes(-90);

        Assert.Equal(signal.AddHours(3) + Millisecond, Score(rules, Subject(At(SignalTypes.Call, signal))).NextReviewAt);
    }

    [Fact]
    public void Each_reviews_at_the_earliest_boundary_of_its_signals()
    {
        var rules = Set(Signal("touch", 10, Touches, decay: Steps((24, 0))));
        var subject = Subject(At(SignalTypes.Call, Now.AddHours(-1)), At(SignalTypes.Reply, Now.AddHours(-20)), At(SignalTypes.Reply, Now.AddHours(-30)));

        Assert.Equal(Now.AddHours(4) + Millisecond, Score(rules, subject).NextReviewAt);
    }

    [Fact]
    public void A_future_signal_steps_from_its_own_time()
    {
        var rules = Set(Signal("touch", 10, Touches, count: CountModes.Latest, decay: Steps((24, 0))));
        var skewed = Now.AddMinutes(3);

        Assert.Equal(skewed.AddHours(24) + Millisecond, Score(rules, Subject(At(SignalTypes.Call, skewed))).NextReviewAt);
    }

    [Fact]
    public void Decision_window_entered_and_left_at_utc_midnight()
    {
        var rules = Set(Fit("deciding", 7, FitTests.DecisionWithin) with { WithinDays = 10 });
        var midnight = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

        var ahead = Score(rules, new ScoringSubject { DecisionDate = new DateOnly(2026, 12, 20) });
        var inside = Score(rules, new ScoringSubject { DecisionDate = new DateOnly(2026, 11, 25) });
        var past = Score(rules, new ScoringSubject { DecisionDate = new DateOnly(2026, 11, 21) });

        Assert.Equal(midnight.AddDays(17), ahead.NextReviewAt);           // 2026-12-10, ten days before
        Assert.Equal(7, Score(rules, new ScoringSubject { DecisionDate = new DateOnly(2026, 12, 20) }, ahead.NextReviewAt).Score);
        Assert.Equal(midnight.AddDays(3), inside.NextReviewAt);           // the day after the decision
        Assert.Equal(0, Score(rules, new ScoringSubject { DecisionDate = new DateOnly(2026, 11, 25) }, inside.NextReviewAt).Score);
        Assert.Null(past.NextReviewAt);
    }

    [Fact]
    public void Half_life_reviews_when_the_grade_moves_down_to_the_minute()
    {
        // 5 (fit) + 20 (two signals now, half-life 24 h) = 25: hot; down (at 18 or less) once 20 x 0.5^(t/24 h) < 13.5
        var rules = Set(
            Fit("email", 5, FitTests.Complete) with { Fields = [ScoringFields.Email] },
            Signal("touch", 10, Touches, decay: HalfLife(24)));
        var subject = Subject(At(SignalTypes.Call, Now, 2));

        var outcome = Score(rules, subject);

        Assert.Equal(Grade.Hot, outcome.Grade);
        var next = Assert.NotNull(outcome.NextReviewAt);
        Assert.Equal(Now.AddMinutes(817), next);   // 24 h x log2(20 / 13.5) = 816.5 min
        Assert.Equal(Grade.Hot, Score(rules, subject, next.AddMinutes(-1), Grade.Hot).Grade);
        Assert.Equal(Grade.Warm, Score(rules, subject, next, Grade.Hot).Grade);
    }

    [Fact]
    public void Half_life_line_with_points_is_reviewed_within_24_hours_even_when_the_grade_holds()
    {
        var rules = Set(Signal("touch", 6, Touches, decay: HalfLife(24)));

        var outcome = Score(rules, Subject(At(SignalTypes.Call, Now.AddHours(-1))));

        Assert.Equal(Grade.Cold, outcome.Grade);
        Assert.Equal(Now.AddHours(24), outcome.NextReviewAt);
    }

    [Fact]
    public void Half_life_grade_move_beyond_24_hours_is_reviewed_at_24_hours()
    {
        // 2 signals x 20 = 40, hot until 40 x 0.5^(t / 48 h) <= 18: about 55 h
        var rules = Set(Signal("touch", 20, Touches, decay: HalfLife(48)));

        Assert.Equal(Now.AddHours(24), Score(rules, Subject(At(SignalTypes.Call, Now, 2))).NextReviewAt);
    }

    [Fact]
    public void An_earlier_step_boundary_comes_before_the_half_life_review()
    {
        var rules = Set(
            Signal("touch", 6, Touches, decay: HalfLife(24)),
            Signal("recent", 10, [SignalTypes.Order], count: CountModes.Latest, decay: Steps((24, 0))));
        var order = Now.AddHours(-20);

        Assert.Equal(order.AddHours(24) + Millisecond, Score(rules, Subject(At(SignalTypes.Call, Now), At(SignalTypes.Order, order))).NextReviewAt);
    }

    [Fact]
    public void Half_life_without_points_left_no_review()
    {
        var rules = Set(Signal("touch", 4, Touches, decay: HalfLife(1)));

        var outcome = Score(rules, Subject(At(SignalTypes.Call, Now.AddHours(-10))));

        Assert.Empty(outcome.Breakdown);
        Assert.Null(outcome.NextReviewAt);
    }

    [Fact]
    public void Negative_half_life_points_fading_move_the_grade_up()
    {
        // 30 - 20 = 10 (cold); warm once -20 x 0.5^(t / 12 h) is above -19.5: after 12 h x log2(20 / 19.5) = 26.3 min
        var rules = Set(
            Signal("pages", 3, [SignalTypes.PageView]),
            Signal("abandoned", -10, [SignalTypes.CartAbandon], decay: HalfLife(12)));
        var subject = Subject(At(SignalTypes.PageView, Now, 10), At(SignalTypes.CartAbandon, Now, 2));

        var outcome = Score(rules, subject);

        Assert.Equal(Grade.Cold, outcome.Grade);
        var next = Assert.NotNull(outcome.NextReviewAt);
        Assert.Equal(Now.AddMinutes(27), next);
        Assert.Equal(Grade.Cold, Score(rules, subject, next.AddMinutes(-1), Grade.Cold).Grade);
        Assert.Equal(Grade.Warm, Score(rules, subject, next, Grade.Cold).Grade);
    }
}
