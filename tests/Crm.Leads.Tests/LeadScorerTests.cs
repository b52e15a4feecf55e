using Crm.Contracts.Api;
using Crm.Leads.Scoring;
using Xunit;

namespace Crm.Leads.Tests;

public sealed class LeadScorerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);
    private static readonly ScoringOptions Defaults = new();

    private static ScoreResult Score(
        string? name = null,
        string? email = null,
        string? phone = null,
        int pages = 0,
        DateTimeOffset? lastInteraction = null,
        ScoringOptions? options = null) =>
        LeadScorer.Score(new ScoringInput { Name = name, Email = email, Phone = phone, PagesVisited = pages, LastInteractionAt = lastInteraction }, Now, options ?? Defaults);

    private static ScoreResult Complete(int pages = 0, DateTimeOffset? lastInteraction = null) =>
        Score("Ana Lima", "ana@example.com", "+4915112345678", pages, lastInteraction);

    [Fact]
    public void Nothing_known_scores_zero_cold_without_reasons()
    {
        var result = Score(email: "ana@example.com");

        Assert.Equal(0, result.Score);
        Assert.Equal(Grade.Cold, result.Grade);
        Assert.Empty(result.Reasons);
    }

    [Fact]
    public void Seed_example_every_rule_explained_in_order()
    {
        var result = Complete(pages: 4, lastInteraction: Now.AddHours(-2));

        Assert.Equal(27, result.Score);
        Assert.Equal(Grade.Hot, result.Grade);
        Assert.Collection(
            result.Reasons,
            r =>
            {
                Assert.Equal("recent-interaction", r.Rule);
                Assert.Equal(10, r.Points);
                Assert.Contains("2026-11-22T16:00:00.000Z", r.Detail, StringComparison.Ordinal);
            },
            r =>
            {
                Assert.Equal("complete-data", r.Rule);
                Assert.Equal(5, r.Points);
                Assert.False(string.IsNullOrWhiteSpace(r.Detail));
            },
            r =>
            {
                Assert.Equal("pages-visited", r.Rule);
                Assert.Equal(12, r.Points);
                Assert.Equal("4 pages x 3", r.Detail);
            });
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(60_000, true)]
    [InlineData(86_400_000 - 1, true)]
    [InlineData(86_400_000, true)]
    [InlineData(86_400_000 + 1, false)]
    [InlineData(86_400_000 * 2, false)]
    public void Recent_interaction_window_is_24_hours_inclusive(long millisecondsAgo, bool recent)
    {
        var result = Score(email: "a@b.co", lastInteraction: Now.AddMilliseconds(-millisecondsAgo));

        Assert.Equal(recent ? 10 : 0, result.Score);
        Assert.Equal(recent, result.Reasons.Any(r => r.Rule == LeadScorer.RecentInteractionRule));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(5 * 60 * 1000)]
    public void Interaction_slightly_in_the_future_clock_skew_counts_as_recent(long millisecondsAhead)
    {
        var result = Score(email: "a@b.co", lastInteraction: Now.AddMilliseconds(millisecondsAhead));

        Assert.Equal(10, result.Score);
        Assert.Equal(LeadScorer.RecentInteractionRule, Assert.Single(result.Reasons).Rule);
    }

    [Fact]
    public void No_interaction_given_gives_no_points()
    {
        var result = Score(email: "a@b.co", lastInteraction: null);

        Assert.Equal(0, result.Score);
        Assert.DoesNotContain(result.Reasons, r => r.Rule == LeadScorer.RecentInteractionRule);
    }

    [Fact]
    public void Exactly_24_hours_at_a_non_utc_offset_is_still_recent()
    {
        var last = Now.AddHours(-24).ToOffset(TimeSpan.FromHours(-5));

        Assert.Equal(10, Score(email: "a@b.co", lastInteraction: last).Score);
    }

    [Fact]
    public void Complete_data_needs_name_email_and_phone()
    {
        var result = Complete();

        Assert.Equal(5, result.Score);
        var reason = Assert.Single(result.Reasons);
        Assert.Equal("complete-data", reason.Rule);
        Assert.Equal(5, reason.Points);
    }

    [Theory]
    [InlineData(null, "ana@example.com", "+4915112345678")]
    [InlineData("Ana", null, "+4915112345678")]
    [InlineData("Ana", "ana@example.com", null)]
    [InlineData("  ", "ana@example.com", "+4915112345678")]
    [InlineData("Ana", "", "+4915112345678")]
    [InlineData("Ana", "ana@example.com", " ")]
    [InlineData(null, null, "+4915112345678")]
    public void Incomplete_data_gives_no_points(string? name, string? email, string? phone)
    {
        var result = Score(name, email, phone);

        Assert.Equal(0, result.Score);
        Assert.Empty(result.Reasons);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 3)]
    [InlineData(2, 6)]
    [InlineData(4, 12)]
    public void Three_points_per_page(int pages, int points)
    {
        var result = Score(email: "a@b.co", pages: pages);

        Assert.Equal(points, result.Score);
        if (pages == 0)
        {
            Assert.Empty(result.Reasons);
        }
        else
        {
            var reason = Assert.Single(result.Reasons);
            Assert.Equal("pages-visited", reason.Rule);
            Assert.Equal(points, reason.Points);
        }
    }

    [Fact]
    public void Ten_thousand_pages_line_says_30000_points_but_the_score_is_clamped_to_100()
    {
        var result = Score(email: "a@b.co", pages: 10_000);

        Assert.Equal(100, result.Score);
        Assert.Equal(Grade.Hot, result.Grade);
        var reason = Assert.Single(result.Reasons);
        Assert.Equal("pages-visited", reason.Rule);
        Assert.Equal(30_000, reason.Points);
        Assert.Equal("10000 pages x 3", reason.Detail);
    }

    [Theory]
    [InlineData(1, "1 page x 3")]
    [InlineData(4, "4 pages x 3")]
    [InlineData(10, "10 pages x 3")]
    public void Pages_detail_says_how_many_pages(int pages, string detail)
    {
        Assert.Equal(detail, Assert.Single(Score(email: "a@b.co", pages: pages).Reasons).Detail);
    }

    [Fact]
    public void Negative_pages_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Score(email: "a@b.co", pages: -1));
    }

    [Fact]
    public void Score_20_is_not_hot_but_warm()
    {
        // complete data (5) + 5 pages (15) = 20
        var result = Complete(pages: 5);

        Assert.Equal(20, result.Score);
        Assert.Equal(Grade.Warm, result.Grade);
    }

    [Fact]
    public void Score_21_is_hot()
    {
        // interaction (10) + complete data (5) + 2 pages (6) = 21
        var result = Complete(pages: 2, lastInteraction: Now.AddHours(-1));

        Assert.Equal(21, result.Score);
        Assert.Equal(Grade.Hot, result.Grade);
    }

    [Fact]
    public void Score_10_is_cold_and_11_warm()
    {
        Assert.Equal(Grade.Cold, Score(email: "a@b.co", lastInteraction: Now).Grade);
        // interaction (10) + 1 page (3) = 13; complete data (5) + 2 pages (6) = 11
        Assert.Equal(Grade.Warm, Score(email: "a@b.co", pages: 1, lastInteraction: Now).Grade);
        var eleven = Complete(pages: 2);
        Assert.Equal(11, eleven.Score);
        Assert.Equal(Grade.Warm, eleven.Grade);
    }

    [Theory]
    [InlineData(0, Grade.Cold)]
    [InlineData(10, Grade.Cold)]
    [InlineData(11, Grade.Warm)]
    [InlineData(20, Grade.Warm)]
    [InlineData(21, Grade.Hot)]
    [InlineData(100, Grade.Hot)]
    public void Grade_thresholds_are_strictly_above(int score, Grade grade)
    {
        Assert.Equal(grade, LeadScorer.GradeOf(score, Defaults));
    }

    [Fact]
    public void Thresholds_are_configurable()
    {
        var strict = new ScoringOptions { HotAbove = 30, WarmAbove = 20 };

        var result = Complete(pages: 4, lastInteraction: Now);

        Assert.Equal(27, result.Score);
        Assert.Equal(Grade.Warm, LeadScorer.Score(new ScoringInput { Name = "A", Email = "a@b.co", Phone = "+1", PagesVisited = 4, LastInteractionAt = Now }, Now, strict).Grade);
        Assert.Equal(Grade.Cold, LeadScorer.GradeOf(20, strict));
        Assert.Equal(Grade.Hot, LeadScorer.GradeOf(31, strict));
        Assert.Equal(Grade.Warm, LeadScorer.GradeOf(3, new ScoringOptions { HotAbove = 5, WarmAbove = 0 }));
    }

    [Theory]
    [InlineData(20, 10, true)]
    [InlineData(5, 0, true)]
    [InlineData(10, 10, false)]
    [InlineData(10, 20, false)]
    [InlineData(20, -1, false)]
    public void Options_need_hot_above_warm(int hot, int warm, bool valid)
    {
        Assert.Equal(valid, new ScoringOptions { HotAbove = hot, WarmAbove = warm }.IsValid);
    }

    [Fact]
    public void Every_point_is_explained_the_score_is_the_breakdown_clamped_to_100()
    {
        foreach (var pages in new[] { 0, 1, 3, 7, 100 })
        {
            foreach (var last in new DateTimeOffset?[] { null, Now, Now.AddDays(-2) })
            {
                foreach (var name in new[] { null, "Ana" })
                {
                    var result = Score(name, "a@b.co", "+4915112345678", pages, last);
                    Assert.Equal(result.Score, Math.Clamp(result.Reasons.Sum(r => r.Points), 0, 100));
                    Assert.All(result.Reasons, r => Assert.True(r.Points > 0));
                }
            }
        }
    }
}
