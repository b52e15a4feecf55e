using Crm.Contracts.Api.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Journeys;
using Xunit;

namespace Crm.Messaging.Tests.Journeys;

/// <summary>The pure journey rules: conditions, re-entry, waits on the contact's clock (DST included), the fallback channel.</summary>
public sealed class JourneyRulesTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>> Facts = new(StringComparer.Ordinal)
    {
        ["type"] = ["cart-add"],
        ["tags"] = ["vip", "b2b"],
        ["joined"] = ["true"],
    };

    [Theory]
    [InlineData("type", "eq", "cart-add", true)]
    [InlineData("type", "in", "CART-ADD", true)]
    [InlineData("type", "ne", "cart-add", false)]
    [InlineData("tags", "eq", "b2b", true)]
    [InlineData("tags", "ne", "b2c", true)]
    [InlineData("joined", "eq", "false", false)]
    [InlineData("grade", "eq", "hot", false)]
    [InlineData("grade", "ne", "hot", true)]
    public void A_condition_compares_a_field_or_any_item_of_a_list(string field, string op, string value, bool holds) =>
        Assert.Equal(holds, JourneyRules.Holds(new JourneyConditionDocument { Field = field, Op = op, Values = [value] }, Facts));

    [Fact]
    public void Exists_and_missing_look_for_a_value()
    {
        Assert.True(JourneyRules.Holds(new() { Field = "tags", Op = "exists" }, Facts));
        Assert.True(JourneyRules.Holds(new() { Field = "birthday", Op = "missing" }, Facts));
        Assert.False(JourneyRules.Holds(new() { Field = "type", Op = "missing" }, Facts));
    }

    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Journey Journey(string rule, int? days = null) =>
        DefaultJourneys.Find(DefaultJourneys.FollowUpLadder)! with { Reentry = rule, ReentryAfterDays = days };

    private static JourneyEnrollment Ended(DateTimeOffset at, string status = EnrollmentStatus.Stopped) => new()
    {
        Id = "j:c:1", JourneyId = "j", JourneyVersion = 0, ContactId = "c", Entry = 1, Step = 1, Status = status, EnteredAt = at.AddDays(-1),
        EndedAt = status == EnrollmentStatus.Active ? null : at,
    };

    [Fact]
    public void Reentry_never_after_n_days_or_always_and_never_while_active()
    {
        Assert.True(JourneyRules.MayEnter(Journey(JourneyReentry.Never), null, Now));
        Assert.False(JourneyRules.MayEnter(Journey(JourneyReentry.Never), Ended(Now.AddYears(-1)), Now));
        Assert.False(JourneyRules.MayEnter(Journey(JourneyReentry.After, 30), Ended(Now.AddDays(-30).AddSeconds(1)), Now));
        Assert.True(JourneyRules.MayEnter(Journey(JourneyReentry.After, 30), Ended(Now.AddDays(-30)), Now));
        Assert.True(JourneyRules.MayEnter(Journey(JourneyReentry.Always), Ended(Now), Now));
        Assert.False(JourneyRules.MayEnter(Journey(JourneyReentry.Always), Ended(Now, EnrollmentStatus.Active), Now));
    }

    [Theory]
    [InlineData("America/Sao_Paulo", "2026-03-01T12:00:00Z", "2026-03-02T12:00:00Z")] // 09:00 -03 passed today (09:00 local = 12:00Z): tomorrow
    [InlineData("Asia/Tokyo", "2026-03-01T12:00:00Z", "2026-03-02T00:00:00Z")]        // 21:00 in Tokyo: tomorrow 09:00 +09
    [InlineData("Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T07:00:00Z")]     // the spring-forward day: 09:00 CEST
    [InlineData("Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T08:00:00Z")]     // the fall-back day: 09:00 CET
    public void Wait_until_is_the_next_time_of_day_on_the_contacts_clock(string zone, string now, string expected) =>
        Assert.Equal(
            DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            JourneyRules.NextTimeOfDay(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeZoneInfo.FindSystemTimeZoneById(zone), new TimeOnly(9, 0)));

    [Fact]
    public void On_a_birthday_it_is_the_next_birthday_and_29_february_is_the_28th_in_other_years()
    {
        var utc = TimeZoneInfo.Utc;
        Assert.Equal(new DateTimeOffset(2026, 6, 15, 9, 0, 0, TimeSpan.Zero), JourneyRules.NextTimeOfDay(Now, utc, new TimeOnly(9, 0), new DateOnly(1990, 6, 15)));
        Assert.Equal(new DateTimeOffset(2027, 2, 28, 9, 0, 0, TimeSpan.Zero), JourneyRules.NextTimeOfDay(Now, utc, new TimeOnly(9, 0), new DateOnly(2000, 2, 29)));
        Assert.Equal(new DateTimeOffset(2027, 3, 1, 9, 0, 0, TimeSpan.Zero), JourneyRules.NextTimeOfDay(Now, utc, new TimeOnly(9, 0), new DateOnly(2000, 3, 1)));
    }

    [Fact]
    public void The_fallback_channel_is_used_without_an_address_or_consent_for_the_first()
    {
        var both = new ContactCard("c", "Ada", ["ada@example.com"]) { Phones = ["+4915112345678"] };
        string Marketing(string _) => "marketing";
        string Transactional(string _) => "transactional";

        Assert.Equal("email", JourneyRules.ChooseChannel(both, "email", "sms", Transactional));
        Assert.Equal("sms", JourneyRules.ChooseChannel(both with { Emails = [] }, "email", "sms", Transactional));
        var emailWithdrawn = both with { Consents = new Dictionary<string, string> { ["email"] = "withdrawn", ["sms"] = "granted" } };
        Assert.Equal("sms", JourneyRules.ChooseChannel(emailWithdrawn, "email", "sms", Marketing));
        Assert.Null(JourneyRules.ChooseChannel(emailWithdrawn, "email", null, Marketing));
        Assert.Null(JourneyRules.ChooseChannel(both with { DoNotContact = true }, "email", "sms", Transactional));
    }
}
