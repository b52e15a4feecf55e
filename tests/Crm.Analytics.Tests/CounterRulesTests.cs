using Crm.Analytics.Counters;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using Xunit;

namespace Crm.Analytics.Tests;

public sealed class CounterRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public void LeadCaptured_counts_the_lead_its_source_and_its_channel()
    {
        var increment = CounterRules.For(new LeadCaptured
        {
            EventId = Guid.NewGuid(),
            OccurredAt = At,
            LeadId = "l",
            ContactId = "c",
            Source = "spring-campaign",
            Channel = "web",
        });

        Assert.Equal(new DateOnly(2026, 11, 22), increment.Day);
        Assert.Equal(
            [new CounterKey("leads-captured", ""), new CounterKey("leads-by-source", "spring-campaign"), new CounterKey("leads-by-channel", "web")],
            increment.Counters);
    }

    [Fact]
    public void LeadScored_counts_the_grade()
    {
        var increment = CounterRules.For(new LeadScored { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l", ContactId = "c", Score = 25, Grade = "hot" });

        Assert.Equal([new CounterKey("scored-by-grade", "hot")], increment.Counters);
    }

    [Fact]
    public void A_reassignment_is_not_another_lead_assigned()
    {
        var reassigned = CounterRules.For(new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l", ContactId = "c", RepId = "r2", RepName = "R2", PreviousRepId = "r1" });

        Assert.Empty(reassigned.Counters);
    }

    [Fact]
    public void LeadAssigned_and_MessageSent_count_totals()
    {
        var assigned = CounterRules.For(new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l", ContactId = "c", RepId = "r", RepName = "R" });
        var sent = CounterRules.For(new MessageSent { EventId = Guid.NewGuid(), OccurredAt = At, MessageId = "m", ContactId = "c", Channel = "email", Template = "welcome", To = "a@b.c" });

        Assert.Equal([new CounterKey("leads-assigned", "")], assigned.Counters);
        Assert.Equal([new CounterKey("messages-sent", "")], sent.Counters);
    }

    [Theory]
    [InlineData("", "r")]
    [InlineData("l", " ")]
    public void A_LeadAssigned_without_its_lead_or_rep_is_invalid_and_counts_nothing(string leadId, string repId)
    {
        var assigned = new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = leadId, ContactId = "c", RepId = repId, RepName = "R" };

        Assert.Throws<Crm.ServiceDefaults.Messaging.InvalidMessageException>(() => CounterRules.For(assigned));
    }

    [Theory]
    [InlineData("2026-11-22T00:00:00.000+00:00", "2026-11-22")]
    [InlineData("2026-11-22T23:59:59.999+00:00", "2026-11-22")]
    [InlineData("2026-11-22T23:30:00.000-02:00", "2026-11-23")]
    [InlineData("2026-11-23T01:00:00.000+02:00", "2026-11-22")]
    [InlineData("2024-02-29T12:00:00.000+00:00", "2024-02-29")]
    public void The_day_is_the_UTC_day_of_OccurredAt(string occurredAt, string day)
    {
        Assert.Equal(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), CounterRules.Day(DateTimeOffset.Parse(occurredAt, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void An_event_without_OccurredAt_is_invalid()
    {
        Assert.Throws<InvalidMessageException>(() => CounterRules.Day(default));
    }

    [Theory]
    [InlineData(null, "unknown")]
    [InlineData("", "unknown")]
    [InlineData("   ", "unknown")]
    [InlineData(" web ", "web")]
    [InlineData("Partner A", "Partner A")]
    public void Keys_are_trimmed_and_blank_ones_are_unknown(string? value, string key)
    {
        Assert.Equal(key, CounterRules.Key(value));
    }

    [Fact]
    public void Keys_are_cut_at_100_characters()
    {
        Assert.Equal(new string('x', 100), CounterRules.Key(new string('x', 101)));
        Assert.Equal(new string('x', 100), CounterRules.Key(new string('x', 100)));
    }

    [Theory]
    [InlineData(1, "csat-1", "csat-1-by-rep")]
    [InlineData(5, "csat-5", "csat-5-by-rep")]
    public void A_csat_score_counts_for_its_score_on_its_channel_and_its_owner_on_the_day_recorded(int score, string metric, string byRep)
    {
        var increment = RepActivityRules.For(Csat(score, "r1", late: true));

        Assert.Equal(new DateOnly(2026, 11, 22), increment.Day);
        Assert.Equal([new CounterKey(metric, "whatsapp"), new CounterKey(byRep, "r1")], increment.Counters);
    }

    [Fact]
    public void A_csat_score_of_an_unassigned_thread_counts_for_unassigned()
    {
        Assert.Equal([new CounterKey("csat-3", "sms"), new CounterKey("csat-3-by-rep", "unassigned")], RepActivityRules.For(Csat(3, " ", late: false) with { Channel = "sms" }).Counters);
    }

    [Theory]
    [InlineData(0, "v1")]
    [InlineData(6, "v1")]
    [InlineData(4, " ")]
    public void A_csat_event_without_its_conversation_or_out_of_range_is_invalid(int score, string conversationId)
    {
        Assert.Throws<InvalidMessageException>(() => RepActivityRules.For(Csat(score, "r1", late: false) with { ConversationId = conversationId }));
    }

    /// <summary>A score recorded at 23:30 UTC (late: resolved the day before), so the day counted is the recording's.</summary>
    private static ConversationCsatRecorded Csat(int score, string? owner, bool late) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = At.AddHours(5.5),
        ConversationId = "v1",
        ContactId = "c",
        Channel = "whatsapp",
        OwnerRepId = owner,
        Score = score,
        Source = "survey-reply",
        ResolvedAt = late ? At.AddDays(-1) : At,
    };
}
