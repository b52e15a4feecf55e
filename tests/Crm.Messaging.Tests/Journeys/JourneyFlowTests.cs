using System.Net;
using System.Net.Http.Json;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Journeys;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Messaging.Tests.Journeys;

/// <summary>
/// Journeys end to end on the fake clock: events through the bus, steps run by the durable timers the test fires, the
/// messages they queue (through the send API's path). Each test has its own service (its own clock and store).
/// </summary>
public sealed class JourneyFlowTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static LeadAssigned Assigned(string contactId) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        LeadId = $"l-{Ids.New()}",
        ContactId = contactId,
        RepId = "rep-1",
        RepName = "Grace Hopper",
    };

    private static async Task<JourneyEnrollment> Only(JourneyFactory factory, string contactId, string journeyId) =>
        Assert.Single(await factory.EnrollmentsAsync(contactId), e => e.JourneyId == journeyId);

    private static async Task<IReadOnlyList<(string Channel, string Template)>> Sent(JourneyFactory factory, string contactId) =>
        [.. (await factory.JourneyMessagesAsync(contactId)).Select(m => (m.Channel, m.Template))];

    [Fact]
    public async Task The_follow_up_ladder_queues_an_email_on_day_1_an_sms_on_day_3_and_a_whatsapp_on_day_7_then_completes()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact();
        await factory.PublishAsync(Assigned(contact.Id));
        await factory.RunTimersAsync();
        Assert.Empty(await Sent(factory, contact.Id));

        await factory.AdvanceAsync(Day - TimeSpan.FromMinutes(1));
        Assert.Empty(await Sent(factory, contact.Id));
        await factory.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal([("email", "follow-up-1")], await Sent(factory, contact.Id));

        await factory.AdvanceAsync(2 * Day);
        Assert.Equal([("email", "follow-up-1"), ("sms", "follow-up-2")], await Sent(factory, contact.Id));

        await factory.AdvanceAsync(4 * Day);
        Assert.Equal([("email", "follow-up-1"), ("sms", "follow-up-2"), ("whatsapp", "follow-up-3")], await Sent(factory, contact.Id));
        var done = await Only(factory, contact.Id, DefaultJourneys.FollowUpLadder);
        Assert.Equal((EnrollmentStatus.Completed, 3), (done.Status, done.MessageIds.Count));
    }

    [Fact]
    public async Task A_reply_on_day_2_stops_the_ladder()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact();
        await factory.PublishAsync(Assigned(contact.Id));
        await factory.AdvanceAsync(Day);
        await factory.AdvanceAsync(Day);
        await factory.PublishAsync(new InboundMessageReceived
        {
            EventId = Guid.NewGuid(),
            OccurredAt = factory.Time.GetUtcNow(),
            MessageId = Ids.New(),
            ContactId = contact.Id,
            ConversationId = Ids.New(),
            Channel = "email",
            IsReply = true,
        });

        await factory.AdvanceAsync(7 * Day);
        Assert.Equal([("email", "follow-up-1")], await Sent(factory, contact.Id));
        var stopped = await Only(factory, contact.Id, DefaultJourneys.FollowUpLadder);
        Assert.Equal((EnrollmentStatus.Stopped, JourneyStops.Replied), (stopped.Status, stopped.StopReason));
    }

    [Fact]
    public async Task A_won_lead_stops_the_ladder_before_its_first_message()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact();
        var assigned = Assigned(contact.Id);
        await factory.PublishAsync(assigned);
        await factory.RunTimersAsync();
        await factory.PublishAsync(new LeadWon
        {
            EventId = Guid.NewGuid(),
            OccurredAt = factory.Time.GetUtcNow(),
            LeadId = assigned.LeadId,
            ContactId = contact.Id,
            PipelineId = "sales",
            Stage = "proposal",
            Amount = "10.00",
            Currency = "EUR",
        });

        await factory.AdvanceAsync(8 * Day);
        Assert.Empty(await Sent(factory, contact.Id));
        Assert.Equal(JourneyStops.Won, (await Only(factory, contact.Id, DefaultJourneys.FollowUpLadder)).StopReason);
    }

    [Fact]
    public async Task Without_an_email_address_the_send_step_uses_its_fallback_channel()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact(email: false);
        await factory.PublishAsync(Assigned(contact.Id));
        await factory.AdvanceAsync(Day);

        Assert.Equal([("sms", "follow-up-1")], await Sent(factory, contact.Id));
    }

    [Fact]
    public async Task Without_an_address_on_either_channel_the_step_is_skipped_and_the_journey_goes_on()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact(email: false, phone: false);
        await factory.PublishAsync(Assigned(contact.Id));
        await factory.AdvanceAsync(Day);
        Assert.Empty(await Sent(factory, contact.Id));
        var waiting = await Only(factory, contact.Id, DefaultJourneys.FollowUpLadder);
        Assert.Equal((EnrollmentStatus.Active, 3), (waiting.Status, waiting.Step)); // past the skipped send, waiting for day 3
    }

    [Fact]
    public async Task A_contact_enters_again_only_as_the_reentry_rule_allows()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact();
        var first = Assigned(contact.Id);
        await factory.PublishAsync(first);
        await factory.PublishAsync(Assigned(contact.Id)); // active: never entered twice
        Assert.Single(await factory.EnrollmentsAsync(contact.Id));

        await factory.PublishAsync(new LeadLost
        {
            EventId = Guid.NewGuid(),
            OccurredAt = factory.Time.GetUtcNow(),
            LeadId = first.LeadId,
            ContactId = contact.Id,
            PipelineId = "sales",
            Stage = "new",
            Reason = "no-budget",
        });
        await factory.PublishAsync(Assigned(contact.Id)); // ended, but the ladder lets a contact in again only 30 days later
        Assert.Single(await factory.EnrollmentsAsync(contact.Id));

        factory.Time.Advance(30 * Day);
        await factory.PublishAsync(Assigned(contact.Id));
        var entries = await factory.EnrollmentsAsync(contact.Id);
        Assert.Equal([2, 1], entries.Select(e => e.Entry));
        Assert.Equal(EnrollmentStatus.Active, entries[0].Status);
    }

    [Fact]
    public async Task A_step_runs_once_even_when_its_timer_fires_twice()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact();
        await factory.PublishAsync(Assigned(contact.Id));
        await factory.AdvanceAsync(Day);
        var enrollment = await Only(factory, contact.Id, DefaultJourneys.FollowUpLadder);
        Assert.Equal(3, enrollment.Step);

        // The timer of step 1 (the day-1 e-mail, already run) fires again, as a duplicate would.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            unit.Schedule(JourneyRunner.Kind, enrollment.Id, factory.Time.GetUtcNow(), new JourneyStepTimer(1, enrollment.Entry));
            await unit.CommitAsync();
        }

        await factory.RunTimersAsync();
        Assert.Equal([("email", "follow-up-1")], await Sent(factory, contact.Id));
        Assert.Equal(enrollment.Version, (await Only(factory, contact.Id, DefaultJourneys.FollowUpLadder)).Version);
    }

    [Fact]
    public async Task Wait_until_a_time_of_day_waits_for_each_contacts_own_clock()
    {
        await using var factory = new JourneyFactory();
        using var client = factory.CreateClient();
        var put = await client.PutAsJsonAsync("/api/messaging/journeys/morning-after-order", new JourneyRequest
        {
            Name = "Next morning after an order",
            Trigger = new() { Event = "OrderPlaced" },
            Steps = [new() { Type = "wait-until", TimeOfDay = "09:00" }, new() { Type = "send", Template = "post-purchase", Channel = "email" }],
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var saoPaulo = factory.NewContact("America/Sao_Paulo");
        var tokyo = factory.NewContact("Asia/Tokyo");
        foreach (var contact in new[] { saoPaulo, tokyo })
        {
            await factory.PublishAsync(Order(contact.Id, factory.Time.GetUtcNow()));
        }

        await factory.RunTimersAsync();
        var now = factory.Time.GetUtcNow();
        var dueSaoPaulo = Next9(now, "America/Sao_Paulo");
        var dueTokyo = Next9(now, "Asia/Tokyo");
        Assert.Equal(dueSaoPaulo, (await Only(factory, saoPaulo.Id, "morning-after-order")).NextDueAt);
        Assert.Equal(dueTokyo, (await Only(factory, tokyo.Id, "morning-after-order")).NextDueAt);
        Assert.NotEqual(dueSaoPaulo, dueTokyo);

        var (first, second) = dueSaoPaulo < dueTokyo ? (saoPaulo, tokyo) : (tokyo, saoPaulo);
        factory.Time.SetUtcNow(new[] { dueSaoPaulo, dueTokyo }.Min());
        await factory.RunTimersAsync();
        Assert.Equal([("email", "post-purchase")], await Sent(factory, first.Id));
        Assert.Empty(await Sent(factory, second.Id));

        factory.Time.SetUtcNow(new[] { dueSaoPaulo, dueTokyo }.Max());
        await factory.RunTimersAsync();
        Assert.Equal([("email", "post-purchase")], await Sent(factory, second.Id));
    }

    /// <summary>The next 09:00 on <paramref name="zone"/>'s wall clock after <paramref name="now"/> (an independent computation: neither zone has DST now).</summary>
    private static DateTimeOffset Next9(DateTimeOffset now, string zone)
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var local = TimeZoneInfo.ConvertTime(now, tz);
        var nine = new DateTimeOffset(local.Date.AddHours(9), local.Offset);
        return (nine > now ? nine : nine.AddDays(1)).ToUniversalTime();
    }

    private static OrderPlaced Order(string contactId, DateTimeOffset at) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = at,
        OrderId = Ids.New(),
        ContactId = contactId,
        Reference = "S-1",
        Amount = "10.00",
        Currency = "EUR",
        PlacedAt = at,
    };

    [Fact]
    public async Task Reactivation_sends_at_once_when_the_contact_joins_the_inactive_segment()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact();
        var other = factory.NewContact();
        await factory.PublishAsync(Joined(contact.Id, DefaultJourneys.InactiveSegmentId));
        await factory.PublishAsync(Joined(other.Id, "vip"));
        await factory.RunTimersAsync();

        Assert.Equal([("email", "reactivation")], await Sent(factory, contact.Id));
        Assert.Empty(await factory.EnrollmentsAsync(other.Id));
    }

    private static SegmentMembershipChanged Joined(string contactId, string segmentId) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        SegmentId = segmentId,
        SegmentVersion = 1,
        ContactId = contactId,
        Joined = true,
    };

    [Fact]
    public async Task An_abandoned_cart_is_reminded_after_an_hour_unless_an_order_came_first()
    {
        await using var factory = new JourneyFactory();
        var abandoned = factory.NewContact();
        var bought = factory.NewContact();
        await factory.PublishAsync(new InteractionRecorded
        {
            EventId = Guid.NewGuid(),
            OccurredAt = factory.Time.GetUtcNow(),
            Interactions =
            [
                Cart(abandoned.Id, "cart-abandon", factory.Time.GetUtcNow()),
                Cart(bought.Id, "cart-add", factory.Time.GetUtcNow()),
                Cart(bought.Id, "page-view", factory.Time.GetUtcNow()),
            ],
        });
        await factory.RunTimersAsync();
        await factory.AdvanceAsync(TimeSpan.FromMinutes(30));
        await factory.PublishAsync(Order(bought.Id, factory.Time.GetUtcNow()));
        await factory.AdvanceAsync(TimeSpan.FromMinutes(30));

        Assert.Equal([("email", "abandoned-cart")], await Sent(factory, abandoned.Id));
        Assert.Empty(await Sent(factory, bought.Id));
        Assert.Equal(JourneyStops.Ordered, (await Only(factory, bought.Id, DefaultJourneys.AbandonedCart)).StopReason);
    }

    private static Interaction Cart(string contactId, string type, DateTimeOffset at) =>
        new() { LeadId = $"l-{contactId}", ContactId = contactId, Type = type, Count = 1, FirstAt = at, LastAt = at };

    [Fact]
    public async Task Post_purchase_writes_three_days_after_an_order()
    {
        await using var factory = new JourneyFactory();
        var contact = factory.NewContact();
        await factory.PublishAsync(Order(contact.Id, factory.Time.GetUtcNow()));
        await factory.AdvanceAsync(3 * Day - TimeSpan.FromMinutes(1));
        Assert.Empty(await Sent(factory, contact.Id));

        await factory.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal([("email", "post-purchase")], await Sent(factory, contact.Id));
    }

    [Fact]
    public async Task Birthday_greets_at_nine_in_the_contacts_zone_on_the_birthday_and_waits_for_the_next_year()
    {
        await using var factory = new JourneyFactory();
        var now = factory.Time.GetUtcNow();
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var inTen = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime).AddDays(10);
        var contact = factory.NewContact("Asia/Kolkata", birthday: new DateOnly(1990, inTen.Month, inTen.Day));
        await factory.PublishAsync(new ContactUpdated
        {
            EventId = Guid.NewGuid(),
            OccurredAt = now,
            ContactId = contact.Id,
            Version = 2,
            Birthday = contact.Birthday,
            ChangedFields = ["birthday"],
        });
        await factory.RunTimersAsync();

        var due = new DateTimeOffset(inTen.ToDateTime(new TimeOnly(9, 0)), TimeSpan.FromHours(5.5)).ToUniversalTime();
        Assert.Equal(due, (await Only(factory, contact.Id, DefaultJourneys.Birthday)).NextDueAt);
        factory.Time.SetUtcNow(due);
        await factory.RunTimersAsync();

        Assert.Equal([("email", "birthday")], await Sent(factory, contact.Id));
        var waiting = await Only(factory, contact.Id, DefaultJourneys.Birthday);
        Assert.Equal((EnrollmentStatus.Active, 1), (waiting.Status, waiting.Step));
        Assert.Equal(due.AddYears(1).Date, waiting.NextDueAt!.Value.Date);
    }

    [Fact]
    public async Task A_merge_moves_enrollments_to_the_survivor_and_an_erasure_deletes_them()
    {
        await using var factory = new JourneyFactory();
        var merged = factory.NewContact();
        var survivor = factory.NewContact();
        await factory.PublishAsync(Assigned(merged.Id));
        await factory.Harness.Bus.Publish(new ContactsMerged
        {
            EventId = Guid.NewGuid(),
            OccurredAt = factory.Time.GetUtcNow(),
            MergeId = Ids.New(),
            SurvivorId = survivor.Id,
            MergedIds = [merged.Id],
        });
        await Poll.UntilAsync(async () => (await factory.EnrollmentsAsync(survivor.Id)).Count == 1, "the enrollment moved to the survivor");
        Assert.Empty(await factory.EnrollmentsAsync(merged.Id));

        await factory.Harness.Bus.Publish(new ContactErasureRequested
        {
            EventId = Guid.NewGuid(),
            OccurredAt = factory.Time.GetUtcNow(),
            ContactId = survivor.Id,
            RequestId = Ids.New(),
        });
        await Poll.UntilAsync(async () => (await factory.EnrollmentsAsync(survivor.Id)).Count == 0, "the enrollment deleted");
        await factory.AdvanceAsync(8 * Day);
        Assert.Empty(await Sent(factory, survivor.Id));
    }

    [Fact]
    public async Task A_journey_message_prints_the_reps_email_and_phone_from_the_rep_directory_and_an_unknown_rep_blocks_it()
    {
        // The send path to the end (the consent fence, the pickup folder): the API tests' factory, timers running on the real clock.
        await using var factory = new MessagingApiFactory();
        using var client = factory.CreateClient();
        using (var template = await client.PutAsJsonAsync(
                   "/api/messaging/templates/rep-card/email/en",
                   new { purpose = "transactional", subject = "Your contact at ACME", body = "Write to {{ rep.name }} at {{ rep.email }} or call {{ rep.phone }}." }))
        {
            Assert.True(template.IsSuccessStatusCode, await template.Content.ReadAsStringAsync());
        }

        using (var journey = await client.PutAsJsonAsync("/api/messaging/journeys/rep-card", new JourneyRequest
               {
                   Name = "The rep's card",
                   Trigger = new() { Event = "LeadAssigned" },
                   Steps = [new() { Type = "send", Template = "rep-card", Channel = "email" }],
               }))
        {
            Assert.True(journey.IsSuccessStatusCode, await journey.Content.ReadAsStringAsync());
        }

        await factory.Harness.Bus.Publish(new RepCreated
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, RepId = "rep-card-1", Name = "Grace Hopper", Capacity = 10, Active = true,
            Email = "grace@acme.example.com", Phone = "+4930123456", Version = 1, ChangedBy = Crm.Contracts.Audit.Actor.System,
        });
        await Poll.UntilAsync(async () => await factory.Store.GetAsync(Crm.Messaging.Alerts.AlertCollections.Reps, "rep-card-1") is not null, "the rep in the directory");

        var known = factory.NewContact();
        var unknown = factory.NewContact();
        await factory.Harness.Bus.Publish(Assigned(known.Id) with { RepId = "rep-card-1" });
        await factory.Harness.Bus.Publish(Assigned(unknown.Id) with { RepId = "rep-not-in-directory" });

        var sent = await CardAsync(factory, known.Id);
        Assert.Equal("picked-up", sent.Status);
        var text = MimeKit.MimeMessage.Load(Path.Combine(factory.PickupDirectory, $"{sent.Id}.eml")).TextBody;
        Assert.Contains("Write to Grace Hopper at grace@acme.example.com or call +4930123456.", text, StringComparison.Ordinal);

        // Unknown to the directory: rep.email is missing, so the message is not sent (never "at {{ rep.email }}").
        var blocked = await CardAsync(factory, unknown.Id);
        Assert.Equal(("failed", "template"), (blocked.Status, blocked.Reason));
        Assert.False(File.Exists(Path.Combine(factory.PickupDirectory, $"{blocked.Id}.eml")));
    }

    private static Task<Crm.Messaging.Messages.Message> CardAsync(MessagingApiFactory factory, string contactId) =>
        Poll.ForAsync(
            async () => (await factory.Store.FindAsync(Crm.Messaging.Messages.MessageQueries.OfContact(contactId))).FirstOrDefault(m => m.Template == "rep-card" && m.Status is not ("queued" or "sending" or "delayed")),
            $"the rep card of {contactId} to be finished");
}
