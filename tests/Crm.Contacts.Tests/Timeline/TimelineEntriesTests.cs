using Crm.Contacts.Timeline;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using Xunit;

namespace Crm.Contacts.Tests.Timeline;

public sealed class TimelineEntriesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 12, 0, 0, 123, TimeSpan.Zero);
    private static readonly DateTimeOffset Recorded = At.AddSeconds(2);

    [Fact]
    public void LeadCaptured_names_source_and_channel()
    {
        var e = new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l1", ContactId = "c1", Source = "google-ads", Channel = "web" };

        var item = TimelineEntries.From(e, Recorded);

        Assert.Equal(e.EventId.ToString("D"), item.Id);
        Assert.Equal("c1", item.ContactId);
        Assert.Equal("lead-captured", item.Type);
        Assert.Equal(At, item.OccurredAt);
        Assert.Equal("Lead captured from google-ads via web", item.Summary);
        Assert.Equal("l1", item.LeadId);
        Assert.Equal(Recorded, item.RecordedAt);
    }

    [Fact]
    public void LeadScored_shows_score_and_grade()
    {
        var e = new LeadScored { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l1", ContactId = "c1", Score = 28, Grade = "hot" };

        var item = TimelineEntries.From(e, Recorded);

        Assert.Equal("lead-scored", item.Type);
        Assert.Equal("Scored 28 (hot)", item.Summary);
        Assert.Equal("l1", item.LeadId);
    }

    [Fact]
    public void A_rescore_shows_the_previous_score()
    {
        var e = new LeadScored { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l1", ContactId = "c1", Score = 28, Grade = "hot", PreviousScore = 13, PreviousGrade = "warm" };

        Assert.Equal("Scored 28 (hot), was 13 (warm)", TimelineEntries.From(e, Recorded).Summary);
    }

    [Fact]
    public void LeadAssigned_names_the_rep()
    {
        var e = new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l1", ContactId = "c1", RepId = "r1", RepName = "Anna" };

        var item = TimelineEntries.From(e, Recorded);

        Assert.Equal("lead-assigned", item.Type);
        Assert.Equal("Assigned to Anna", item.Summary);
    }

    [Fact]
    public void LeadAssigned_without_a_rep_name_falls_back_to_the_rep_id()
    {
        var e = new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l1", ContactId = "c1", RepId = "r1", RepName = "" };

        Assert.Equal("Assigned to r1", TimelineEntries.From(e, Recorded).Summary);
    }

    [Theory]
    [InlineData("email", "welcome", "a@b.c", "E-mail 'welcome' sent to a@b.c")]
    [InlineData("EMAIL", "welcome", "a@b.c", "E-mail 'welcome' sent to a@b.c")]
    [InlineData("sms", "reminder", "+49301234567", "SMS 'reminder' sent to +49301234567")]
    [InlineData("whatsapp", "offer", "+49301234567", "WhatsApp message 'offer' sent to +49301234567")]
    [InlineData("pigeon", "hello", "roof", "pigeon message 'hello' sent to roof")]
    public void MessageSent_names_channel_template_and_recipient(string channel, string template, string to, string summary)
    {
        var e = new MessageSent { EventId = Guid.NewGuid(), OccurredAt = At, MessageId = "m1", ContactId = "c1", LeadId = "l1", Channel = channel, Template = template, To = to };

        var item = TimelineEntries.From(e, Recorded);

        Assert.Equal("message-sent", item.Type);
        Assert.Equal(summary, item.Summary);
        Assert.Equal("l1", item.LeadId);
    }

    [Theory]
    [InlineData("outbound", "answered", 125, "Outbound call, answered, 2 min 5 s")]
    [InlineData("inbound", "no-answer", 0, "Inbound call, no-answer, 0 s")]
    [InlineData("INBOUND", "voicemail", 59, "Inbound call, voicemail, 59 s")]
    public void CallLogged_names_direction_outcome_and_length_without_the_number(string direction, string outcome, int seconds, string summary)
    {
        var started = At.AddMinutes(-3);
        var e = new CallLogged
        {
            EventId = Guid.NewGuid(), OccurredAt = At, MessageId = "m1", ContactId = "c1", LeadId = "l1", Direction = direction, Outcome = outcome,
            StartedAt = started, DurationSeconds = seconds, RepId = "r1", ProviderCallId = "pbx-1",
        };

        var item = TimelineEntries.From(e, Recorded);

        Assert.Equal(("call-logged", summary, "l1", started), (item.Type, item.Summary, item.LeadId, item.OccurredAt));
        Assert.Equal(e.EventId.ToString("D"), item.Id);
    }

    [Fact]
    public void MessageSent_without_a_lead_has_no_lead_id()
    {
        var e = new MessageSent { EventId = Guid.NewGuid(), OccurredAt = At, MessageId = "m1", ContactId = "c1", LeadId = "", Channel = "email", Template = "t", To = "a@b.c" };

        Assert.Null(TimelineEntries.From(e, Recorded).LeadId);
    }

    [Fact]
    public void Times_are_kept_in_UTC_milliseconds()
    {
        var local = new DateTimeOffset(2026, 11, 22, 13, 0, 0, 123, TimeSpan.FromHours(1)).AddTicks(4567);
        var e = new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = local, LeadId = "l1", ContactId = "c1", Source = "s", Channel = "web" };

        var item = TimelineEntries.From(e, local.AddSeconds(2));

        Assert.Equal(At, item.OccurredAt);
        Assert.Equal(TimeSpan.Zero, item.OccurredAt.Offset);
        Assert.Equal(Recorded, item.RecordedAt);
        Assert.Equal(TimeSpan.Zero, item.RecordedAt.Offset);
    }

    [Fact]
    public void An_event_without_contact_id_is_invalid()
    {
        var e = new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l1", ContactId = " ", Source = "s", Channel = "web" };

        Assert.Throws<InvalidMessageException>(() => TimelineEntries.From(e, Recorded));
    }

    [Fact]
    public void A_lead_event_without_lead_id_is_invalid()
    {
        var e = new LeadScored { EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "", ContactId = "c1", Score = 1, Grade = "cold" };

        Assert.Throws<InvalidMessageException>(() => TimelineEntries.From(e, Recorded));
    }

    [Fact]
    public void An_event_without_event_id_is_invalid()
    {
        var e = new MessageSent { EventId = Guid.Empty, OccurredAt = At, MessageId = "m1", ContactId = "c1", Channel = "email", Template = "t", To = "a@b.c" };

        Assert.Throws<InvalidMessageException>(() => TimelineEntries.From(e, Recorded));
    }
}
