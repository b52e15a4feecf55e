using System.Globalization;
using Crm.Contacts.Consent;
using Crm.Messaging.Pressure;
using Xunit;

namespace Crm.Messaging.Tests.Pressure;

/// <summary>The contact-pressure rules (pure, no I/O, no clock): consent, WhatsApp window, quiet hours in several zones and across DST changes, caps.</summary>
public sealed class ContactPressureTests
{
    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static PressureRequest Marketing(string now, string? zone = "UTC", PressurePolicy? policy = null, string channel = ConsentChannels.Email) => new()
    {
        Channel = channel,
        Purpose = SendPurpose.Marketing,
        ChannelConsent = ConsentStatus.Granted,
        TimeZone = zone,
        Now = At(now),
        Policy = policy ?? new PressurePolicy(),
    };

    private static PressureRequest Transactional(string now, PressurePolicy? policy = null) =>
        Marketing(now, policy: policy) with { Purpose = SendPurpose.Transactional, ChannelConsent = null };

    private static PressureCounts Sent(params string[] utc) => new([.. utc.Select(At)]);

    private static void AssertDelayed(PressureDecision decision, string until, string reason)
    {
        Assert.Equal(PressureOutcome.Delay, decision.Outcome);
        Assert.Equal(reason, decision.Reason);
        Assert.Equal(At(until), decision.Until);
    }

    private static void AssertBlocked(PressureDecision decision, string reason)
    {
        Assert.Equal(PressureDecision.Block(reason), decision);
    }

    // --- consent ---

    [Theory]
    [InlineData(true, ConsentStatus.Granted, true, PressureReasons.DoNotContact)]
    [InlineData(true, ConsentStatus.Granted, false, PressureReasons.DoNotContact)]
    [InlineData(false, ConsentStatus.Withdrawn, true, PressureReasons.ChannelWithdrawn)]
    [InlineData(false, ConsentStatus.Withdrawn, false, PressureReasons.ChannelWithdrawn)]
    [InlineData(false, null, true, PressureReasons.NoMarketingConsent)]
    public void Consent_that_forbids_the_message_blocks_it(bool doNotContact, string? consent, bool marketing, string reason)
    {
        var request = Marketing("2026-06-10T12:00:00Z") with { DoNotContact = doNotContact, ChannelConsent = consent, Purpose = marketing ? SendPurpose.Marketing : SendPurpose.Transactional };

        AssertBlocked(ContactPressure.Decide(request), reason);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(ConsentStatus.Granted, false)]
    [InlineData(ConsentStatus.Granted, true)]
    public void Consent_that_allows_the_message_sends_it(string? consent, bool marketing)
    {
        var request = Marketing("2026-06-10T12:00:00Z") with { ChannelConsent = consent, Purpose = marketing ? SendPurpose.Marketing : SendPurpose.Transactional };

        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(request));
    }

    [Fact]
    public void Consent_blocks_rather_than_delays_in_quiet_hours_with_the_caps_reached()
    {
        var request = Marketing("2026-06-10T23:00:00Z") with
        {
            ChannelConsent = ConsentStatus.Withdrawn,
            Sent = Sent("2026-06-10T20:00:00Z", "2026-06-10T21:00:00Z", "2026-06-10T22:00:00Z"),
        };

        AssertBlocked(ContactPressure.Decide(request), PressureReasons.ChannelWithdrawn);
    }

    // --- WhatsApp window ---

    [Theory]
    [InlineData(null, false, PressureOutcome.Block)] // the contact never wrote
    [InlineData("2026-06-09T12:00:01Z", false, PressureOutcome.Send)] // 23:59:59 ago
    [InlineData("2026-06-09T12:00:00Z", false, PressureOutcome.Block)] // exactly 24 hours ago: closed
    [InlineData("2026-06-01T12:00:00Z", false, PressureOutcome.Block)]
    [InlineData(null, true, PressureOutcome.Send)] // an approved template needs no window
    [InlineData("2026-06-01T12:00:00Z", true, PressureOutcome.Send)]
    public void WhatsApp_outside_the_window_takes_only_approved_templates(string? lastInbound, bool template, PressureOutcome outcome)
    {
        var request = Marketing("2026-06-10T12:00:00Z", channel: ConsentChannels.Whatsapp) with
        {
            LastInboundWhatsApp = lastInbound is null ? null : At(lastInbound),
            ApprovedTemplate = template,
        };

        var decision = ContactPressure.Decide(request);

        Assert.Equal(outcome, decision.Outcome);
        Assert.Equal(outcome == PressureOutcome.Block ? PressureReasons.WhatsAppWindow : null, decision.Reason);
    }

    [Fact]
    public void The_WhatsApp_window_binds_transactional_messages_too_and_only_on_WhatsApp()
    {
        var transactional = Transactional("2026-06-10T12:00:00Z") with { Channel = ConsentChannels.Whatsapp };

        AssertBlocked(ContactPressure.Decide(transactional), PressureReasons.WhatsAppWindow);
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(transactional with { Channel = ConsentChannels.Sms }));
    }

    [Fact]
    public void The_WhatsApp_window_length_comes_from_the_policy()
    {
        var request = Marketing("2026-06-10T12:00:00Z", policy: new PressurePolicy { WhatsAppWindow = TimeSpan.FromHours(1) }, channel: ConsentChannels.Whatsapp)
            with { LastInboundWhatsApp = At("2026-06-10T10:00:00Z") };

        AssertBlocked(ContactPressure.Decide(request), PressureReasons.WhatsAppWindow);
    }

    // --- quiet hours (default 21:00-08:00 local) ---

    [Theory]
    [InlineData("America/Sao_Paulo", "2026-06-10T01:30:00Z", "2026-06-10T11:00:00Z")] // 22:30 -03 -> 08:00 -03
    [InlineData("America/Sao_Paulo", "2026-06-10T10:59:00Z", "2026-06-10T11:00:00Z")] // 07:59 -03
    [InlineData("America/Sao_Paulo", "2026-06-10T00:00:00Z", "2026-06-10T11:00:00Z")] // 21:00 -03, the first quiet minute
    [InlineData("Asia/Kolkata", "2026-06-10T16:00:00Z", "2026-06-11T02:30:00Z")] // 21:30 +05:30 -> 08:00 +05:30 the next day
    [InlineData("Asia/Kolkata", "2026-06-10T19:00:00Z", "2026-06-11T02:30:00Z")] // 00:30 +05:30 (past midnight)
    [InlineData("Pacific/Auckland", "2026-06-10T10:00:00Z", "2026-06-10T20:00:00Z")] // 22:00 NZST +12 -> 08:00 +12
    [InlineData("Pacific/Auckland", "2026-01-15T09:00:00Z", "2026-01-15T19:00:00Z")] // 22:00 NZDT +13 -> 08:00 +13
    [InlineData("Pacific/Auckland", "2026-09-26T10:00:00Z", "2026-09-26T19:00:00Z")] // 22:00 NZST, 02:00 -> 03:00 that night: 08:00 NZDT
    [InlineData("Europe/Berlin", "2026-01-15T05:00:00Z", "2026-01-15T07:00:00Z")] // 06:00 CET -> 08:00 CET
    [InlineData("Europe/Berlin", "2026-03-28T21:00:00Z", "2026-03-29T06:00:00Z")] // 22:00 CET, spring forward in the night: 08:00 CEST
    [InlineData("Europe/Berlin", "2026-03-29T00:30:00Z", "2026-03-29T06:00:00Z")] // 01:30 CET, just before the gap
    [InlineData("Europe/Berlin", "2026-10-24T20:00:00Z", "2026-10-25T07:00:00Z")] // 22:00 CEST, fall back in the night: 08:00 CET
    public void Quiet_hours_delay_marketing_until_eight_in_the_contact_s_zone(string zone, string now, string until)
    {
        AssertDelayed(ContactPressure.Decide(Marketing(now, zone)), until, PressureReasons.QuietHours);
    }

    [Theory]
    [InlineData("America/Sao_Paulo", "2026-06-09T23:59:00Z")] // 20:59 -03
    [InlineData("America/Sao_Paulo", "2026-06-10T11:00:00Z")] // 08:00 -03
    [InlineData("Asia/Kolkata", "2026-06-10T06:30:00Z")] // 12:00 +05:30
    [InlineData("Pacific/Auckland", "2026-06-10T00:00:00Z")] // 12:00 +12 (a day ahead of UTC's 00:00, which is quiet in UTC)
    [InlineData("Europe/Berlin", "2026-03-29T06:00:00Z")] // 08:00 CEST on the day of the change
    public void Outside_quiet_hours_marketing_goes(string zone, string now)
    {
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Marketing(now, zone)));
    }

    [Fact]
    public void Quiet_hours_within_one_day_end_the_same_day()
    {
        var policy = new PressurePolicy { QuietHoursStart = new TimeOnly(12, 0), QuietHoursEnd = new TimeOnly(14, 0) };

        AssertDelayed(ContactPressure.Decide(Marketing("2026-06-10T15:30:00Z", "America/Sao_Paulo", policy)), "2026-06-10T17:00:00Z", PressureReasons.QuietHours);
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Marketing("2026-06-10T01:30:00Z", "America/Sao_Paulo", policy)));
    }

    [Fact]
    public void Equal_start_and_end_mean_no_quiet_hours()
    {
        var policy = new PressurePolicy { QuietHoursStart = new TimeOnly(0, 0), QuietHoursEnd = new TimeOnly(0, 0) };

        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Marketing("2026-06-10T03:00:00Z", policy: policy)));
    }

    [Fact]
    public void Quiet_hours_ending_in_a_spring_forward_gap_end_at_the_gap_s_end()
    {
        // Berlin, 2026-03-29: 02:00 CET became 03:00 CEST, so 02:30 never showed; the quiet hours end at 03:00 CEST.
        var policy = new PressurePolicy { QuietHoursStart = new TimeOnly(22, 0), QuietHoursEnd = new TimeOnly(2, 30) };

        AssertDelayed(ContactPressure.Decide(Marketing("2026-03-28T23:00:00Z", "Europe/Berlin", policy)), "2026-03-29T01:00:00Z", PressureReasons.QuietHours);
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Marketing("2026-03-29T01:00:00Z", "Europe/Berlin", policy)));
    }

    [Fact]
    public void Quiet_hours_ending_in_a_fall_back_overlap_end_at_the_next_time_the_clock_shows_the_end()
    {
        // Berlin, 2026-10-25: 03:00 CEST became 02:00 CET, so 02:00-03:00 showed twice (00:00-01:00Z, then 01:00-02:00Z).
        var policy = new PressurePolicy { QuietHoursStart = new TimeOnly(22, 0), QuietHoursEnd = new TimeOnly(2, 30) };

        AssertDelayed(ContactPressure.Decide(Marketing("2026-10-25T00:15:00Z", "Europe/Berlin", policy)), "2026-10-25T00:30:00Z", PressureReasons.QuietHours);
        AssertDelayed(ContactPressure.Decide(Marketing("2026-10-25T01:15:00Z", "Europe/Berlin", policy)), "2026-10-25T01:30:00Z", PressureReasons.QuietHours);
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Marketing("2026-10-25T00:45:00Z", "Europe/Berlin", policy)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData("/usr/share/zoneinfo/Asia/Tokyo")]
    [InlineData("Europe/Berlin\n")]
    public void A_missing_or_unknown_zone_uses_the_default_zone(string? zone)
    {
        var policy = new PressurePolicy { DefaultTimeZone = "America/Sao_Paulo" };

        // 23:30 UTC is 20:30 in Sao Paulo: not quiet there, though it is in UTC.
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Marketing("2026-06-10T23:30:00Z", zone, policy)));
        AssertDelayed(ContactPressure.Decide(Marketing("2026-06-11T01:00:00Z", zone, policy)), "2026-06-11T11:00:00Z", PressureReasons.QuietHours);
    }

    [Fact]
    public void An_unknown_default_zone_falls_back_to_UTC_without_throwing()
    {
        var policy = new PressurePolicy { DefaultTimeZone = "Nowhere/Special" };

        AssertDelayed(ContactPressure.Decide(Marketing("2026-06-10T22:00:00Z", "Nowhere/Else", policy)), "2026-06-11T08:00:00Z", PressureReasons.QuietHours);
    }

    // --- transactional exemptions ---

    [Fact]
    public void Transactional_messages_ignore_quiet_hours_unless_the_policy_says_otherwise()
    {
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Transactional("2026-06-10T23:00:00Z")));

        var strict = new PressurePolicy { TransactionalRespectsQuietHours = true };
        AssertDelayed(ContactPressure.Decide(Transactional("2026-06-10T23:00:00Z", strict)), "2026-06-11T08:00:00Z", PressureReasons.QuietHours);
    }

    [Fact]
    public void Transactional_messages_are_never_held_by_a_cap()
    {
        var sent = Sent([.. Enumerable.Range(1, 12).Select(h => $"2026-06-10T{h - 1:00}:30:00Z")]);

        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Transactional("2026-06-10T12:00:00Z") with { Sent = sent }));
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(Transactional("2026-06-10T12:00:00Z", new PressurePolicy { TransactionalRespectsQuietHours = true }) with { Sent = sent }));
    }

    // --- caps (default 3 a day, 10 a week, across all channels) ---

    [Fact]
    public void One_below_the_daily_cap_sends()
    {
        var request = Marketing("2026-06-10T12:00:00Z") with { Sent = Sent("2026-06-10T11:00:00Z", "2026-06-10T10:00:00Z") };

        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(request));
    }

    [Fact]
    public void At_the_daily_cap_marketing_waits_until_the_oldest_of_the_window_leaves_it()
    {
        var request = Marketing("2026-06-10T12:00:00Z") with
        {
            Sent = Sent("2026-06-10T11:00:00Z", "2026-06-10T10:00:00Z", "2026-06-10T09:00:00Z", "2026-06-09T12:00:00Z"),
        };

        // The send exactly 24 hours ago has left the window; the other three fill it until 09:00 tomorrow.
        AssertDelayed(ContactPressure.Decide(request), "2026-06-11T09:00:00Z", PressureReasons.DailyCap);
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(request with { Now = At("2026-06-11T09:00:00Z") }));
    }

    [Fact]
    public void Above_the_cap_the_window_needs_every_excess_send_to_leave()
    {
        // Five in the window with a cap of 3: room once the third newest (10:00) has left it.
        var request = Marketing("2026-06-10T12:00:00Z") with
        {
            Sent = Sent("2026-06-10T09:00:00Z", "2026-06-10T11:00:00Z", "2026-06-10T08:00:00Z", "2026-06-10T10:00:00Z", "2026-06-10T11:30:00Z"),
        };

        AssertDelayed(ContactPressure.Decide(request), "2026-06-11T10:00:00Z", PressureReasons.DailyCap);
    }

    [Fact]
    public void At_the_weekly_cap_marketing_waits_for_the_rolling_week_to_have_room()
    {
        var policy = new PressurePolicy { DailyCap = 3, WeeklyCap = 5 };
        var request = Marketing("2026-06-10T12:00:00Z", policy: policy) with
        {
            Sent = Sent("2026-06-09T10:00:00Z", "2026-06-08T10:00:00Z", "2026-06-06T10:00:00Z", "2026-06-05T10:00:00Z", "2026-06-04T10:00:00Z", "2026-06-03T12:00:00Z"),
        };

        // Five sends after 2026-06-03T12:00Z (the one exactly 7 days ago is out): room when the fifth newest leaves.
        AssertDelayed(ContactPressure.Decide(request), "2026-06-11T10:00:00Z", PressureReasons.WeeklyCap);
        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(request with { Sent = Sent("2026-06-09T10:00:00Z", "2026-06-08T10:00:00Z", "2026-06-06T10:00:00Z", "2026-06-05T10:00:00Z") }));
    }

    [Fact]
    public void A_cap_of_zero_is_no_cap()
    {
        var request = Marketing("2026-06-10T12:00:00Z", policy: new PressurePolicy { DailyCap = 0, WeeklyCap = 0 }) with
        {
            Sent = Sent([.. Enumerable.Range(0, 12).Select(h => $"2026-06-10T{h:00}:00:00Z")]),
        };

        Assert.Equal(PressureDecision.Send, ContactPressure.Decide(request));
    }

    [Fact]
    public void A_cap_s_room_in_quiet_hours_waits_for_their_end()
    {
        var request = Marketing("2026-06-10T12:00:00Z") with
        {
            Sent = Sent("2026-06-09T22:00:00Z", "2026-06-10T10:00:00Z", "2026-06-10T11:00:00Z"),
        };

        // Room at 22:00, in quiet hours: 08:00 the next morning, still because of the cap.
        AssertDelayed(ContactPressure.Decide(request), "2026-06-11T08:00:00Z", PressureReasons.DailyCap);
    }

    [Fact]
    public void Quiet_hours_ending_with_the_cap_still_full_wait_for_the_cap()
    {
        var request = Marketing("2026-06-09T22:00:00Z", "Europe/Berlin") with
        {
            Sent = Sent("2026-06-09T07:00:00Z", "2026-06-09T08:00:00Z", "2026-06-09T09:00:00Z"),
        };

        // Quiet until 08:00 CEST (06:00Z); the window then still holds three sends until 07:00Z.
        AssertDelayed(ContactPressure.Decide(request), "2026-06-10T07:00:00Z", PressureReasons.QuietHours);
    }

    // --- the order of the rules ---

    [Fact]
    public void Rules_apply_in_order_consent_window_quiet_hours_daily_cap_weekly_cap()
    {
        var policy = new PressurePolicy { DailyCap = 1, WeeklyCap = 2 };
        var everything = Marketing("2026-06-10T22:00:00Z", policy: policy, channel: ConsentChannels.Whatsapp) with
        {
            DoNotContact = true,
            ChannelConsent = ConsentStatus.Withdrawn,
            Sent = Sent("2026-06-10T09:00:00Z"),
        };

        AssertBlocked(ContactPressure.Decide(everything), PressureReasons.DoNotContact);
        AssertBlocked(ContactPressure.Decide(everything with { DoNotContact = false }), PressureReasons.ChannelWithdrawn);
        AssertBlocked(ContactPressure.Decide(everything with { DoNotContact = false, ChannelConsent = null }), PressureReasons.NoMarketingConsent);

        var consented = everything with { DoNotContact = false, ChannelConsent = ConsentStatus.Granted };
        AssertBlocked(ContactPressure.Decide(consented), PressureReasons.WhatsAppWindow);

        var inWindow = consented with { LastInboundWhatsApp = At("2026-06-10T20:00:00Z") };
        AssertDelayed(ContactPressure.Decide(inWindow), "2026-06-11T09:00:00Z", PressureReasons.QuietHours); // quiet until 08:00, then the daily cap
        AssertDelayed(ContactPressure.Decide(inWindow with { Now = At("2026-06-10T12:00:00Z"), Sent = Sent("2026-06-10T11:00:00Z") }), "2026-06-11T11:00:00Z", PressureReasons.DailyCap);

        var weekOnly = inWindow with { Now = At("2026-06-10T12:00:00Z"), Sent = Sent("2026-06-08T11:00:00Z"), Policy = new PressurePolicy { DailyCap = 1, WeeklyCap = 1 } };
        AssertDelayed(ContactPressure.Decide(weekOnly), "2026-06-15T11:00:00Z", PressureReasons.WeeklyCap);
    }
}
