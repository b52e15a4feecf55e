using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Assignment;
using Crm.Messaging.Journeys;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Messaging.Tests.Journeys;

/// <summary>The journeys API: the defaults, versions under If-Match, every bad field named, a running enrollment on its version, a contact's enrollments and stopping one.</summary>
public sealed class JourneyApiTests
{
    private static JourneyRequest Ladder(string firstTemplate = "follow-up-1") => new()
    {
        Name = "Short ladder",
        Trigger = new() { Event = "LeadAssigned" },
        Steps = [new() { Type = "wait", Duration = "1.00:00:00" }, new() { Type = "send", Template = firstTemplate, Channel = "email" }],
        StopOn = ["replied"],
    };

    [Fact]
    public async Task The_defaults_are_listed_and_a_put_makes_versions_that_new_entries_run_while_running_ones_keep_theirs()
    {
        await using var factory = new JourneyFactory();
        using var client = factory.CreateClient();
        var list = await client.GetFromJsonAsync<Page<JourneyResponse>>("/api/messaging/journeys");
        Assert.Equal(
            [DefaultJourneys.AbandonedCart, DefaultJourneys.Birthday, DefaultJourneys.FollowUpLadder, DefaultJourneys.PostPurchase, DefaultJourneys.Reactivation, DefaultJourneys.Welcome],
            list!.Items.Select(j => j.Id));
        Assert.All(list.Items, j => Assert.True(j.Default));

        var early = factory.NewContact();
        await factory.PublishAsync(Assigned(early.Id));

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/api/messaging/journeys/follow-up-ladder") { Content = JsonContent.Create(Ladder("post-purchase")) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"3\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await client.SendAsync(stale)).StatusCode);

        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/messaging/journeys/follow-up-ladder") { Content = JsonContent.Create(Ladder("post-purchase")) };
        put.Headers.IfMatch.Add(new EntityTagHeaderValue("\"0\""));
        var stored = await client.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal("\"1\"", stored.Headers.ETag?.Tag);
        var versions = await client.GetFromJsonAsync<Page<JourneyResponse>>("/api/messaging/journeys/follow-up-ladder/versions");
        Assert.Equal([1L, 0L], versions!.Items.Select(v => v.Version));

        var late = factory.NewContact();
        await factory.PublishAsync(Assigned(late.Id));
        await factory.AdvanceAsync(TimeSpan.FromDays(1));

        Assert.Equal(0, Assert.Single(await factory.EnrollmentsAsync(early.Id)).JourneyVersion);
        Assert.Equal("follow-up-1", Assert.Single(await factory.JourneyMessagesAsync(early.Id)).Template);
        Assert.Equal(1, Assert.Single(await factory.EnrollmentsAsync(late.Id)).JourneyVersion);
        Assert.Equal("post-purchase", Assert.Single(await factory.JourneyMessagesAsync(late.Id)).Template);
    }

    [Fact]
    public async Task A_bad_journey_is_a_400_naming_every_bad_field()
    {
        await using var factory = new JourneyFactory();
        using var client = factory.CreateClient();
        var response = await client.PutAsJsonAsync("/api/messaging/journeys/bad", new JourneyRequest
        {
            Name = "",
            Trigger = new() { Event = "LeadExploded", Conditions = [new() { Field = "grade", Op = "like" }] },
            Steps =
            [
                new() { Type = "wait", Duration = "soon" },
                new() { Type = "send", Template = "no-such-template", Channel = "email", FallbackChannel = "email" },
                new() { Type = "wait-until", TimeOfDay = "25:00" },
                new() { Type = "branch", GoTo = 1 },
                new() { Type = "teleport" },
            ],
            StopOn = ["bored"],
            Reentry = new() { Rule = "after" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(
            new HashSet<string>
            {
                "name", "trigger.event", "trigger.conditions[0].op", "steps[0].duration", "steps[1].template", "steps[1].fallbackChannel",
                "steps[2].timeOfDay", "steps[4].type", "stopOn", "reentry.afterDays",
            },
            errors);
        Assert.DoesNotContain("steps[3].goTo", errors); // a jump back over the wait-until of step 2: allowed

        var loop = await client.PutAsJsonAsync("/api/messaging/journeys/bad", Ladder() with
        {
            Steps = [new() { Type = "send", Template = "follow-up-1", Channel = "email" }, new() { Type = "branch", GoTo = 0 }],
        });
        var loopErrors = (await loop.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(loopErrors.TryGetProperty("steps[1].goTo", out _), loopErrors.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/messaging/journeys/bad")).StatusCode);
    }

    [Fact]
    public async Task A_contacts_enrollments_are_listed_and_one_can_be_stopped_once()
    {
        await using var factory = new JourneyFactory();
        using var client = factory.CreateClient();
        var contact = factory.NewContact();
        await factory.PublishAsync(Assigned(contact.Id));

        var page = await client.GetFromJsonAsync<Page<JourneyEnrollmentResponse>>($"/api/messaging/journey-enrollments?contactId={contact.Id}");
        var enrollment = Assert.Single(page!.Items);
        Assert.Equal((DefaultJourneys.FollowUpLadder, "active", 1), (enrollment.JourneyId, enrollment.Status, enrollment.Entry));

        var stop = await client.PostAsync($"/api/messaging/journey-enrollments/{enrollment.Id}/stop", null);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal(("stopped", "manual"), await stop.Content.ReadFromJsonAsync<JourneyEnrollmentResponse>() is { } s ? (s.Status, s.StopReason) : default);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/messaging/journey-enrollments/{enrollment.Id}/stop", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/messaging/journey-enrollments/nope/stop", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/messaging/journey-enrollments")).StatusCode);

        await factory.AdvanceAsync(TimeSpan.FromDays(8));
        Assert.Empty(await factory.JourneyMessagesAsync(contact.Id));
    }

    private static LeadAssigned Assigned(string contactId) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        LeadId = $"l-{Ids.New()}",
        ContactId = contactId,
        RepId = "rep-1",
        RepName = "Grace Hopper",
    };
}
