using System.Text.Json;
using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Orders;
using Crm.Contacts.Segments;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Http;
using Xunit;

namespace Crm.Contacts.Tests.Segments;

/// <summary>The segment rule language, pure: validation, every operator, nesting, relative dates and the next-change instant.</summary>
public sealed class SegmentRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static readonly Contact Anna = new()
    {
        Id = "c1",
        Name = "Anna",
        Country = "DE",
        Region = "Berlin",
        Locale = "de-DE",
        Birthday = new DateOnly(1990, 5, 17),
        LifecycleStage = LifecycleStage.Customer,
        Tags = ["vip", "newsletter"],
        CustomFields = new Dictionary<string, JsonElement> { ["score"] = JsonSerializer.SerializeToElement(42), ["plan"] = JsonSerializer.SerializeToElement("gold-plus"), ["renewal"] = JsonSerializer.SerializeToElement("2026-12-24") },
        CreatedAt = Now.AddDays(-400),
        UpdatedAt = Now,
        Version = 3,
    };

    private static readonly ContactConsent Consent = new()
    {
        Id = "c1",
        Channels = [new ChannelConsent { Channel = "email", Status = "granted", LegalBasis = "consent", Source = "web-form", At = Now, By = Actor.System }],
        DoNotContact = null,
    };

    private static readonly CustomerSummary Summary = new()
    {
        Id = "c1",
        Orders = 3,
        FirstOrderAt = Now.AddDays(-200),
        LastOrderAt = Now.AddDays(-100),
        Totals = [new CurrencyTotal("EUR", 3, 45_000)],
        Loyalty = new LoyaltyScore(2, 2, 3, "bronze", null),
    };

    private static readonly SegmentFacts Facts = new(Anna, Consent, Summary);

    private static SegmentRule Cond(string field, string op, object? value) =>
        new() { Field = field, Op = op, Value = value is null ? null : JsonSerializer.SerializeToElement(value) };

    private static RuleNode Compile(SegmentRule rule)
    {
        var errors = new ValidationErrors();
        var node = SegmentRules.Compile(rule, errors);
        Assert.True(errors.IsEmpty, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
        return node!;
    }

    private static bool Matches(SegmentRule rule, SegmentFacts? facts = null, DateTimeOffset? now = null) => Compile(rule).Matches(facts ?? Facts, now ?? Now);

    [Theory]
    [InlineData("lifecycleStage", "eq", "customer", true)]
    [InlineData("lifecycleStage", "eq", "lead", false)]
    [InlineData("lifecycleStage", "ne", "lead", true)]
    [InlineData("country", "eq", "de", true)]
    [InlineData("region", "ne", "Hamburg", true)]
    [InlineData("timeZone", "ne", "Europe/Berlin", true)]
    [InlineData("timeZone", "eq", "Europe/Berlin", false)]
    [InlineData("locale", "contains", "de", true)]
    [InlineData("tags", "contains", "VIP", true)]
    [InlineData("tags", "contains", "churn-risk", false)]
    [InlineData("consent.email", "eq", "granted", true)]
    [InlineData("consent.sms", "eq", "unknown", true)]
    [InlineData("doNotContact", "eq", false, true)]
    [InlineData("summary.orders", "gt", 2, true)]
    [InlineData("summary.orders", "gte", 3, true)]
    [InlineData("summary.orders", "lt", 3, false)]
    [InlineData("summary.orders", "lte", 3, true)]
    [InlineData("summary.totalSpent.EUR", "gte", 450, true)]
    [InlineData("summary.totalSpent.USD", "eq", 0, true)]
    [InlineData("rfm.tier", "eq", "bronze", true)]
    [InlineData("rfm.monetary", "eq", 3, true)]
    [InlineData("summary.lastOrderAt", "lt", "2026-09-01", true)]
    [InlineData("birthday", "gte", "1990-05-17", true)]
    [InlineData("birthday", "gt", "1990-05-17", false)]
    [InlineData("createdAt", "lt", "2026-01-01T00:00:00Z", true)]
    [InlineData("customFields.score", "gt", 40, true)]
    [InlineData("customFields.plan", "contains", "gold", true)]
    [InlineData("customFields.renewal", "lt", "2027-01-01", true)]
    [InlineData("customFields.missing", "eq", "x", false)]
    [InlineData("customFields.missing", "ne", "x", true)]
    public void Each_operator_compares_the_field(string field, string op, object value, bool expected) =>
        Assert.Equal(expected, Matches(Cond(field, op, value)));

    [Fact]
    public void In_between_and_exists()
    {
        Assert.True(Matches(Cond("lifecycleStage", "in", new[] { "opportunity", "customer" })));
        Assert.False(Matches(Cond("country", "in", new[] { "AT", "CH" })));
        Assert.True(Matches(Cond("summary.orders", "between", new[] { 3, 5 })));
        Assert.False(Matches(Cond("summary.orders", "between", new[] { 4, 5 })));
        Assert.True(Matches(Cond("summary.lastOrderAt", "between", new[] { "2026-08-01", "2026-08-31" })));
        Assert.True(Matches(Cond("timeZone", "exists", false)));
        Assert.True(Matches(Cond("country", "exists", true)));
        Assert.True(Matches(Cond("tags", "exists", true)));
        Assert.False(Matches(Cond("summary.lastMessageAt", "exists", true)));
        Assert.True(Matches(Cond("rfm.tier", "exists", true)));
    }

    [Fact]
    public void Groups_nest_all_and_any()
    {
        var rule = new SegmentRule
        {
            All =
            [
                Cond("lifecycleStage", "eq", "customer"),
                new SegmentRule { Any = [Cond("country", "eq", "AT"), new SegmentRule { All = [Cond("tags", "contains", "vip"), Cond("consent.email", "eq", "granted")] }] },
            ],
        };
        Assert.True(Matches(rule));
        Assert.False(Matches(rule, new SegmentFacts(Anna with { Tags = [] }, Consent, Summary)));
        Assert.True(Matches(new SegmentRule { Any = [Cond("country", "eq", "AT"), Cond("country", "eq", "DE")] }));
        Assert.False(Matches(new SegmentRule { Any = [Cond("country", "eq", "AT"), Cond("country", "eq", "CH")] }));
    }

    [Fact]
    public void Relative_dates_compare_with_now_and_report_when_they_flip()
    {
        // The last order is 100 days old: older than 90 days, not within the last 90.
        var older = Compile(Cond("summary.lastOrderAt", "olderThan", "P90D"));
        var within = Compile(Cond("summary.lastOrderAt", "withinLast", "P90D"));
        Assert.True(older.Matches(Facts, Now));
        Assert.False(within.Matches(Facts, Now));
        Assert.Null(older.NextChange(Facts, Now));

        // A customer who ordered 10 days ago: within the last 90 days until 80 days from now, then older than 90.
        var recent = new SegmentFacts(Anna, Consent, Summary with { LastOrderAt = Now.AddDays(-10) });
        var flip = Now.AddDays(80).AddMilliseconds(1);
        Assert.Equal(flip, older.NextChange(recent, Now));
        Assert.Equal(flip, within.NextChange(recent, Now));
        Assert.False(older.Matches(recent, flip.AddMilliseconds(-1)));
        Assert.True(within.Matches(recent, flip.AddMilliseconds(-1)));
        Assert.True(older.Matches(recent, flip));
        Assert.False(within.Matches(recent, flip));
        Assert.Null(within.NextChange(recent, flip));

        // No order at all: olderThan does not hold (combine with exists false for "never").
        var never = new SegmentFacts(Anna, null, null);
        Assert.False(older.Matches(never, Now));
        Assert.Null(older.NextChange(never, Now));
        Assert.True(Matches(new SegmentRule { Any = [Cond("summary.lastOrderAt", "olderThan", "P90D"), Cond("summary.lastOrderAt", "exists", false)] }, never));

        // A group reports the earliest instant of its relative conditions; absolute rules none.
        var both = Compile(new SegmentRule { All = [Cond("summary.lastOrderAt", "withinLast", "P2W"), Cond("createdAt", "olderThan", "P500D")] });
        Assert.Equal(Now.AddDays(4).AddMilliseconds(1), both.NextChange(recent, Now));
        Assert.True(both.IsTimeBased);
        Assert.False(Compile(Cond("summary.orders", "gt", 1)).IsTimeBased);
        Assert.Null(Compile(Cond("summary.lastOrderAt", "lt", "2027-01-01")).NextChange(recent, Now));
        Assert.Equal(Now.AddDays(100).AddMilliseconds(1), Compile(Cond("createdAt", "olderThan", "P500D")).NextChange(Facts, Now));
    }

    [Theory]
    [InlineData("P90D", 90 * 24)]
    [InlineData("P2W", 14 * 24)]
    [InlineData("PT12H", 12)]
    [InlineData("P1DT6H", 30)]
    public void Durations_in_fixed_units(string text, int hours)
    {
        Assert.True(SegmentRules.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromHours(hours), duration);
    }

    [Theory]
    [InlineData("P3M")]
    [InlineData("P1Y")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("90D")]
    [InlineData("P0D")]
    public void Durations_of_varying_length_or_malformed_are_refused(string text) =>
        Assert.False(SegmentRules.TryParseDuration(text, out _));

    [Fact]
    public void Validation_names_every_bad_node_at_once()
    {
        var rule = new SegmentRule
        {
            All =
            [
                Cond("lifecycleStage", "eq", "vip"),
                Cond("shoeSize", "eq", 42),
                Cond("summary.orders", "near", 3),
                new SegmentRule { Any = [Cond("summary.lastOrderAt", "olderThan", "3 months"), Cond("tags", "gt", "a")] },
                new SegmentRule { Any = [] },
                new SegmentRule { Field = "country", Op = "eq", Value = JsonSerializer.SerializeToElement("DE"), All = [Cond("country", "eq", "DE")] },
                Cond("summary.orders", "between", new[] { 5, 1 }),
                Cond("summary.orders", "in", Array.Empty<int>()),
                Cond("doNotContact", "eq", "yes"),
                Cond("country", "exists", null),
            ],
        };
        var errors = new ValidationErrors();
        Assert.Null(SegmentRules.Compile(rule, errors));
        Assert.Equal(
            [
                "rule.all[0].value", "rule.all[1].field", "rule.all[2].op", "rule.all[3].any[0].value", "rule.all[3].any[1].op", "rule.all[4].any",
                "rule.all[5]", "rule.all[6].value", "rule.all[7].value", "rule.all[8].value", "rule.all[9].value",
            ],
            errors.ToDictionary().Keys.Order(StringComparer.Ordinal));

        var missing = new ValidationErrors();
        SegmentRules.Compile(null, missing);
        Assert.Equal(["rule"], missing.ToDictionary().Keys);
    }

    [Fact]
    public void Depth_and_size_are_bounded()
    {
        SegmentRule deep = Cond("country", "eq", "DE");
        for (var i = 0; i < SegmentRules.MaxDepth; i++)
        {
            deep = new SegmentRule { All = [deep] };
        }

        var errors = new ValidationErrors();
        Assert.Null(SegmentRules.Compile(deep, errors));
        Assert.False(errors.IsEmpty);

        var wide = new SegmentRule { Any = [.. Enumerable.Range(0, SegmentRules.MaxConditions + 1).Select(i => Cond("summary.orders", "eq", i))] };
        var tooMany = new ValidationErrors();
        Assert.Null(SegmentRules.Compile(wide, tooMany));
        Assert.Equal(["rule"], tooMany.ToDictionary().Keys);
    }
}
