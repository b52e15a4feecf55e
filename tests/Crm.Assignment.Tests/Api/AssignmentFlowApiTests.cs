using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.Contracts.Leads;
using Crm.Testing;
using MassTransit;
using MassTransit.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Api;

/// <summary>
/// LeadScored in, LeadAssigned out (through the outbox), observed through the MassTransit harness and the API.
/// Each test has its own service (the round-robin state is global to a database).
/// </summary>
public sealed class AssignmentFlowApiTests
{
    [Fact]
    public async Task A_scored_lead_is_assigned_and_LeadAssigned_is_published()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var rep = await client.CreateRepAsync("Ann", 5);
        var scored = Scored("hot", 31);

        await factory.Harness.Bus.Publish(scored);

        var assigned = await PublishedAssignmentAsync(factory.Harness, scored.LeadId);
        Assert.Equal(rep.Id, assigned.RepId);
        Assert.Equal("Ann", assigned.RepName);
        Assert.Equal(scored.ContactId, assigned.ContactId);
        Assert.Equal("hot", assigned.Grade);
        Assert.Equal(31, assigned.Score);
        Assert.Equal(TimeSpan.Zero, assigned.WaitedInBacklog);
        Assert.Equal(Actor.System, assigned.AssignedBy);
        var lead = await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{scored.LeadId}");
        Assert.Equal("assigned", lead.Status);
        Assert.Equal(rep.Id, lead.RepId);
        Assert.Equal("Ann", lead.RepName);
        Assert.Equal(Grade.Hot, lead.Grade);
        Assert.Equal(31, lead.Score);
        Assert.NotNull(lead.AssignedAt);
        Assert.Equal(1, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}")).OpenLeads);
    }

    [Fact]
    public async Task Three_leads_go_round_robin_across_two_reps()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await client.CreateRepAsync("Ann", 5);
        var bob = await client.CreateRepAsync("Bob", 5);
        var (first, second) = string.CompareOrdinal(ann.Id, bob.Id) < 0 ? (ann, bob) : (bob, ann);

        var owners = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var scored = Scored("warm", 12);
            await factory.Harness.Bus.Publish(scored);
            owners.Add((await PublishedAssignmentAsync(factory.Harness, scored.LeadId)).RepId);
        }

        Assert.Equal([first.Id, second.Id, first.Id], owners);
        Assert.Equal(2, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{first.Id}")).OpenLeads);
        Assert.Equal(1, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{second.Id}")).OpenLeads);
    }

    [Fact]
    public async Task When_everyone_is_full_the_lead_waits_until_a_rep_is_added()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await client.CreateRepAsync("Ann", 1);
        var first = Scored("hot", 40);
        await factory.Harness.Bus.Publish(first);
        await PublishedAssignmentAsync(factory.Harness, first.LeadId);

        var waiting = Scored("cold", 2);
        await factory.Harness.Bus.Publish(waiting);
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<LeadScored>(x => x.Context.Message.LeadId == waiting.LeadId).Any()), "the LeadScored to be consumed");
        var backlogLead = await Poll.ForAsync(
            async () =>
            {
                using var response = await client.GetAsync(new Uri($"/api/assignment/leads/{waiting.LeadId}", UriKind.Relative));
                return response.StatusCode == HttpStatusCode.OK ? await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{waiting.LeadId}") : null;
            },
            "the waiting lead to be recorded");
        Assert.Equal("backlog", backlogLead.Status);
        Assert.Null(backlogLead.RepId);
        Assert.Equal(Grade.Cold, backlogLead.Grade);
        var backlog = await client.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog");
        Assert.Equal([waiting.LeadId], backlog.Items.Select(l => l.LeadId));
        Assert.Null(backlog.NextCursor);

        var bob = await client.CreateRepAsync("Bob", 3);

        Assert.Equal(1, bob.OpenLeads);
        var assigned = await PublishedAssignmentAsync(factory.Harness, waiting.LeadId);
        Assert.Equal(bob.Id, assigned.RepId);
        var lead = await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{waiting.LeadId}");
        Assert.Equal("assigned", lead.Status);
        Assert.Equal("Bob", lead.RepName);
        Assert.Empty((await client.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog")).Items);
        Assert.Equal(1, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{ann.Id}")).OpenLeads);
    }

    [Fact]
    public async Task The_backlog_lists_hot_before_cold_and_pages()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var cold = Scored("cold", 1);
        var hot = Scored("hot", 50);
        var warm = Scored("warm", 15);
        foreach (var scored in new[] { cold, hot, warm })
        {
            await factory.Harness.Bus.Publish(scored);
            await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<LeadScored>(x => x.Context.Message.LeadId == scored.LeadId).Any()), "the LeadScored to be consumed");
        }

        await Poll.UntilAsync(
            async () => (await client.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog")).Items.Count == 3,
            "three leads in the backlog");
        var first = await client.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog?limit=2");
        var second = await client.ReadAsync<Page<LeadAssignmentResponse>>($"/api/assignment/backlog?limit=2&cursor={first.NextCursor}");

        Assert.Equal([hot.LeadId, warm.LeadId, cold.LeadId], first.Items.Concat(second.Items).Select(l => l.LeadId));
        Assert.All(first.Items.Concat(second.Items), l => Assert.Equal("backlog", l.Status));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task A_deactivated_rep_gets_nothing()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await client.CreateRepAsync("Ann", 5);
        var bob = await client.CreateRepAsync("Bob", 5);
        using (var patch = await client.PatchAsync(new Uri($"/api/assignment/reps/{bob.Id}", UriKind.Relative), ApiHelpers.Json("""{"active":false}""")))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }

        var owners = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var scored = Scored("hot", 25);
            await factory.Harness.Bus.Publish(scored);
            owners.Add((await PublishedAssignmentAsync(factory.Harness, scored.LeadId)).RepId);
        }

        Assert.All(owners, owner => Assert.Equal(ann.Id, owner));
        Assert.Equal(0, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{bob.Id}")).OpenLeads);
    }

    [Fact]
    public async Task The_same_message_delivered_twice_assigns_once()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var rep = await client.CreateRepAsync("Ann", 5);
        var scored = Scored("warm", 14);
        var messageId = Guid.NewGuid();
        using var recorder = new BusRecorder(factory.Harness.Bus);

        await factory.Harness.Bus.Publish(scored, context => context.MessageId = messageId);
        await factory.Harness.Bus.Publish(scored, context => context.MessageId = messageId);

        // The harness lists a message id once, so count the deliveries ourselves.
        await Poll.UntilAsync(() => Task.FromResult(recorder.Finished(messageId) == 2), "both deliveries to be consumed");
        await PublishedAssignmentAsync(factory.Harness, scored.LeadId);
        Assert.Equal(1, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}")).OpenLeads);
        Assert.Single(factory.Harness.Published.Select<LeadAssigned>(x => x.Context.Message.LeadId == scored.LeadId));
    }

    [Fact]
    public async Task A_burst_of_rescores_updates_known_leads_assigns_a_new_one_once_and_never_takes_an_older_score()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await client.CreateRepAsync("Ann", 5);
        var known = Scored("warm", 12);
        await factory.Harness.Bus.Publish(known);
        await PublishedAssignmentAsync(factory.Harness, known.LeadId);

        // In one event: the known lead rescored (hot), a lead Assignment has not seen yet (its capture's LeadScored is
        // late), and the same known lead's capture score again, older: it changes nothing.
        var rescored = known with { EventId = Guid.NewGuid(), OccurredAt = known.OccurredAt.AddSeconds(5), Score = 24, Grade = "hot", PreviousScore = 12, PreviousGrade = "warm", Cause = "signals" };
        var unseen = Scored("cold", 3) with { PreviousScore = 1, PreviousGrade = "cold", Cause = "signals" };
        await factory.Harness.Bus.Publish(new LeadScoresChanged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, Scores = [rescored, unseen] });
        await factory.Harness.Bus.Publish(new LeadScoresChanged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, Scores = [known with { EventId = Guid.NewGuid() }] });

        var assigned = await PublishedAssignmentAsync(factory.Harness, unseen.LeadId);
        Assert.Equal(ann.Id, assigned.RepId);
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<LeadScoresChanged>().Count() == 2), "both bursts consumed");
        var lead = await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{known.LeadId}");
        Assert.Equal((Grade.Hot, 24, "assigned"), (lead.Grade, lead.Score, lead.Status));
        Assert.Single(factory.Harness.Published.Select<LeadAssigned>(), x => x.Context.Message.LeadId == known.LeadId);
        Assert.Equal(2, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{ann.Id}")).OpenLeads);
    }

    [Fact]
    public async Task Winning_or_losing_a_lead_frees_its_reps_capacity_and_the_backlog_drains_into_it()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await client.CreateRepAsync("Ann", 1);
        var first = Scored("hot", 40);
        await factory.Harness.Bus.Publish(first);
        await PublishedAssignmentAsync(factory.Harness, first.LeadId);
        var waiting = Scored("warm", 12);
        await factory.Harness.Bus.Publish(waiting);
        await client.WaitsInBacklogAsync(waiting.LeadId, "the second lead waiting (Ann is full)");

        await factory.Harness.Bus.Publish(Won(first));

        var assigned = await PublishedAssignmentAsync(factory.Harness, waiting.LeadId);
        Assert.Equal(ann.Id, assigned.RepId);
        var closed = await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{first.LeadId}");
        Assert.Equal(("closed", "won", ann.Id), (closed.Status, closed.ClosedAs, closed.RepId));
        Assert.Equal(1, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{ann.Id}")).OpenLeads);

        await factory.Harness.Bus.Publish(Lost(waiting));
        await Poll.UntilAsync(
            async () => (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{ann.Id}")).OpenLeads == 0,
            "Ann's capacity back after the loss");
        Assert.Equal("lost", (await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{waiting.LeadId}")).ClosedAs);
    }

    [Fact]
    public async Task A_lead_closed_while_waiting_leaves_the_backlog_and_a_reopened_lead_takes_its_reps_capacity_again()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var waiting = Scored("cold", 2);
        await factory.Harness.Bus.Publish(waiting);
        await client.WaitsInBacklogAsync(waiting.LeadId, "the lead waiting (nobody to take it)");

        await factory.Harness.Bus.Publish(Lost(waiting));
        await Poll.UntilAsync(
            async () => (await client.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog")).Items.Count == 0,
            "the lost lead out of the backlog");
        var ann = await client.CreateRepAsync("Ann", 5);
        Assert.Equal(0, ann.OpenLeads);

        var mine = Scored("warm", 14);
        await factory.Harness.Bus.Publish(mine);
        await PublishedAssignmentAsync(factory.Harness, mine.LeadId);
        await factory.Harness.Bus.Publish(Won(mine));
        await Poll.UntilAsync(async () => (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{ann.Id}")).OpenLeads == 0, "the win freeing Ann");
        await factory.Harness.Bus.Publish(new LeadReopened
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow.AddSeconds(1), LeadId = mine.LeadId, ContactId = mine.ContactId, PreviousStatus = "won", Stage = "negotiation",
        });

        await Poll.UntilAsync(async () => (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{ann.Id}")).OpenLeads == 1, "the reopened lead back with Ann");
        var reopened = await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{mine.LeadId}");
        Assert.Equal(("assigned", ann.Id, (string?)null), (reopened.Status, reopened.RepId, reopened.ClosedAs));
        Assert.Single(factory.Harness.Published.Select<LeadAssigned>(), x => x.Context.Message.LeadId == mine.LeadId);
        Assert.Equal("closed", (await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{waiting.LeadId}")).Status);
    }

    [Fact]
    public async Task Deactivating_a_rep_routes_their_open_leads_again_as_reassignments()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await client.CreateRepAsync("Ann", 5);
        var leads = new[] { Scored("hot", 30), Scored("warm", 12), Scored("cold", 3) };
        foreach (var lead in leads)
        {
            await factory.Harness.Bus.Publish(lead);
            await PublishedAssignmentAsync(factory.Harness, lead.LeadId);
        }

        var bob = await client.CreateRepAsync("Bob", 2);
        using (var off = await client.PatchAsJsonAsync($"/api/assignment/reps/{ann.Id}", new UpdateRepRequest { Active = false }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
            Assert.Equal(0, (await off.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!.OpenLeads);
        }

        // Bob has room for two: the hot and the warm lead go to him, the cold one waits (its rep gone).
        var reassigned = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<LeadAssigned>(x => x.Context.Message.PreviousRepId == ann.Id).Select(x => x.Context.Message).ToList() is { Count: 2 } two ? two : null),
            "two reassignments from Ann");
        Assert.All(reassigned, a => Assert.Equal(bob.Id, a.RepId));
        Assert.Equal(new[] { leads[0].LeadId, leads[1].LeadId }.Order(StringComparer.Ordinal), reassigned.Select(a => a.LeadId).Order(StringComparer.Ordinal));
        var waiting = await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{leads[2].LeadId}");
        Assert.Equal(("backlog", (string?)null), (waiting.Status, waiting.RepId));
        Assert.Equal(2, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{bob.Id}")).OpenLeads);

        // Room again: the waiting lead goes too, still a reassignment.
        var cleo = await client.CreateRepAsync("Cleo", 5);
        var last = await PublishedAssignmentAsync(factory.Harness, leads[2].LeadId, reassigned: true);
        Assert.Equal((cleo.Id, ann.Id), (last.RepId, last.PreviousRepId));
        Assert.Equal(0, (await client.ReadAsync<RepResponse>($"/api/assignment/reps/{ann.Id}")).OpenLeads);
    }

    private static LeadWon Won(LeadScored lead) => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = lead.LeadId, ContactId = lead.ContactId,
        PipelineId = "default", Stage = "negotiation", Amount = "129.90", Currency = "EUR",
    };

    private static LeadLost Lost(LeadScored lead) => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = lead.LeadId, ContactId = lead.ContactId,
        PipelineId = "default", Stage = "new", Reason = "no-budget",
    };

    [Fact]
    public async Task A_lead_with_an_unknown_grade_is_rejected_and_not_recorded()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        await client.CreateRepAsync("Ann", 5);
        var scored = Scored("scorching", 99);

        await factory.Harness.Bus.Publish(scored);

        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<LeadScored>(x => x.Context.Message.LeadId == scored.LeadId && x.Exception != null).Any()), "the LeadScored to be consumed");
        using var response = await client.GetAsync(new Uri($"/api/assignment/leads/{scored.LeadId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static LeadScored Scored(string grade, int score) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        LeadId = Guid.CreateVersion7().ToString("N"),
        ContactId = Guid.CreateVersion7().ToString("N"),
        Score = score,
        Grade = grade,
    };

    /// <summary>Polls the harness' list (its own waits stop once its inactivity timer fired, which a slow machine reaches).</summary>
    private static Task<LeadAssigned> PublishedAssignmentAsync(ITestHarness harness, string leadId, bool reassigned = false) =>
        Poll.ForAsync(
            () => Task.FromResult(harness.Published.Select<LeadAssigned>(x => x.Context.Message.LeadId == leadId && (x.Context.Message.PreviousRepId is not null) == reassigned).FirstOrDefault()?.Context.Message),
            $"LeadAssigned for lead {leadId} to be published");
}
