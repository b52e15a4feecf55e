using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using MassTransit.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Api;

/// <summary>Rules, skills, working hours, teams, SLA policies, the work queue and notifications through the API.</summary>
public sealed class RoutingApiTests
{
    private static LeadScored Scored(string grade, int score, string? language = null) => ApiHelpers.Scored(grade, score, language);

    private static async Task<RepResponse> CreateRepAsync(HttpClient client, string name, int capacity, Dictionary<string, int?>? skills = null)
    {
        using var response = await client.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = name, Capacity = capacity, Skills = skills }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
    }

    private static Task<LeadAssigned> AssignedAsync(CrmServiceFactory<AssignmentEntryPoint> factory, string leadId) => ApiHelpers.AssignedAsync(factory, leadId);

    [Fact]
    public async Task The_first_matching_rule_routes_by_skill_and_the_lead_says_why()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await CreateRepAsync(client, "Ann", 10, new() { ["lang:es"] = 4 });
        var bob = await CreateRepAsync(client, "Bob", 10);
        using (var put = await client.PutAsJsonAsync("/api/assignment/rules", new AssignmentRulesDocument
        {
            Rules =
            [
                new AssignmentRuleDocument
                {
                    Id = "spanish", Name = "Spanish speakers", When = new RuleConditionsDocument { Languages = ["ES"] },
                    Pool = new RulePoolDocument { RequiredSkills = [new SkillRequirementDocument { Skill = "lang:es", MinLevel = 3 }] }, Strategy = "least-loaded",
                },
                new AssignmentRuleDocument { Id = "everyone", Name = "Everyone else", Strategy = "round-robin" },
            ],
        }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal("\"1\"", put.Headers.ETag?.ToString());
        }

        var spanish = Scored("warm", 15, "es");
        await factory.Harness.Bus.Publish(spanish);
        var assigned = await AssignedAsync(factory, spanish.LeadId);
        Assert.Equal((ann.Id, "spanish", "least-loaded"), (assigned.RepId, assigned.RuleId, assigned.Strategy));

        var lead = await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{spanish.LeadId}");
        var why = lead.Explanation!;
        Assert.Equal(("spanish", "least-loaded", 2, 1, ann.Id), (why.RuleId, why.Strategy, why.Considered, why.Eligible, why.Winner!.RepId));
        var excluded = Assert.Single(why.Excluded);
        Assert.Equal((bob.Id, "missing-skill", "lang:es ≥ 3"), (excluded.RepId, excluded.Reason, excluded.Detail));
        Assert.Equal(1, why.ExcludedByReason["missing-skill"]);

        var other = Scored("warm", 15);
        await factory.Harness.Bus.Publish(other);
        Assert.Equal("everyone", (await AssignedAsync(factory, other.LeadId)).RuleId);

        var rules = await client.ReadAsync<AssignmentRulesDocument>("/api/assignment/rules");
        Assert.Equal(["spanish", "everyone"], rules.Rules!.Select(r => r.Id));
        Assert.Equal(["es"], rules.Rules![0].When!.Languages);
    }

    [Fact]
    public async Task Bad_rules_are_400_naming_every_field_and_a_stale_version_is_412()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();

        using var bad = await client.PutAsync(new Uri("/api/assignment/rules", UriKind.Relative), ApiHelpers.Json("""
            { "rules": [
                { "id": "Bad Id", "name": "x", "strategy": "random" },
                { "id": "b", "name": "", "pool": { "requiredSkills": [ { "skill": "lang:es", "minLevel": 9 } ] }, "fairnessCap": { "max": 0 } }
              ],
              "leadUnits": { "hot": 0 } }
            """));
        var errors = await ApiHelpers.ErrorsAsync(bad);
        Assert.Equal(
            ["leadUnits.hot", "rules[0].id", "rules[0].strategy", "rules[1].fairnessCap.max", "rules[1].fairnessCap.windowMinutes", "rules[1].name", "rules[1].pool.requiredSkills[0].minLevel"],
            errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        using var first = await client.PutAsJsonAsync("/api/assignment/rules", new AssignmentRulesDocument { Rules = [] }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/assignment/rules") { Content = JsonContent.Create(new AssignmentRulesDocument { Rules = [] }, options: CrmClient.JsonOptions) };
        request.Headers.TryAddWithoutValidation("If-Match", "\"7\"");
        using var stale = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
    }

    [Fact]
    public async Task Skills_merge_per_key_and_bad_ones_are_named()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await CreateRepAsync(client, "Ann", 10, new() { ["lang:es"] = 3, ["product:solar"] = 2 });

        using var patch = await client.PatchAsync(new Uri($"/api/assignment/reps/{ann.Id}", UriKind.Relative), ApiHelpers.Json("""{ "skills": { "lang:en": 2, "lang:es": null }, "weight": 3 }"""));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var patched = (await patch.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(new Dictionary<string, int> { ["lang:en"] = 2, ["product:solar"] = 2 }, patched.Skills);
        Assert.Equal((3, ann.Version + 1), (patched.Weight, patched.Version));

        using var bad = await client.PatchAsync(new Uri($"/api/assignment/reps/{ann.Id}", UriKind.Relative), ApiHelpers.Json("""{ "skills": { "Bad Skill": 2, "lang:fr": 6 }, "weight": 0 }"""));
        var errors = await ApiHelpers.ErrorsAsync(bad);
        Assert.Equal(["skills.Bad Skill", "skills.lang:fr", "weight"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_rep_off_work_is_given_nothing_until_their_hours_change()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await CreateRepAsync(client, "Ann", 10);

        using (var bad = await client.PutAsync(new Uri($"/api/assignment/reps/{ann.Id}/working-hours", UriKind.Relative), ApiHelpers.Json("""
            { "timeZone": "Mars/Olympus", "week": [ { "day": "someday", "from": "09:00", "to": "17:00" }, { "day": "monday", "from": "9am", "to": "17:00" } ] }
            """)))
        {
            var errors = await ApiHelpers.ErrorsAsync(bad);
            Assert.Equal(["timeZone", "week[0].day", "week[1].from"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        // Every day worked, but today (and the days around it, whatever the zone) is a holiday: Ann is off work now.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var days = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" };
        using (var set = await client.PutAsJsonAsync($"/api/assignment/reps/{ann.Id}/working-hours", new WorkingHoursDocument
        {
            TimeZone = "Europe/Madrid",
            Week = [.. days.Select(d => new WorkingShiftDocument { Day = d, From = "00:00", To = "00:00" })],
            Holidays = [today.AddDays(-1), today, today.AddDays(1)],
        }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var rep = (await set.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
            Assert.Equal(("Europe/Madrid", 7, 3), (rep.WorkingHours!.TimeZone, rep.WorkingHours.Week!.Count, rep.WorkingHours.Holidays!.Count));
        }

        var lead = Scored("hot", 30);
        await factory.Harness.Bus.Publish(lead);
        await client.WaitsInBacklogAsync(lead.LeadId, "the lead waiting while Ann is off work");
        var waiting = await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{lead.LeadId}");
        Assert.Equal("outside-working-hours", Assert.Single(waiting.Explanation!.Excluded).Reason);

        using (var clear = await client.DeleteAsync(new Uri($"/api/assignment/reps/{ann.Id}/working-hours", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
            Assert.Null((await clear.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!.WorkingHours);
        }

        Assert.Equal(ann.Id, (await AssignedAsync(factory, lead.LeadId)).RepId);
    }

    [Fact]
    public async Task Teams_name_existing_reps_and_sla_policies_are_validated()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var lead = await CreateRepAsync(client, "Lena Lead", 5);

        using (var bad = await client.PutAsJsonAsync("/api/assignment/teams/north", new TeamRequest { Name = "", LeadRepId = "nobody" }, CrmClient.JsonOptions))
        {
            var errors = await ApiHelpers.ErrorsAsync(bad);
            Assert.Equal(["leadRepId", "name"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        using (var put = await client.PutAsJsonAsync("/api/assignment/teams/north", new TeamRequest { Name = "North", LeadRepId = lead.Id }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var team = await client.ReadAsync<TeamResponse>("/api/assignment/teams/north");
        Assert.Equal(("North", lead.Id, (string?)null, 1L), (team.Name, team.LeadRepId, team.ManagerRepId, team.Version));

        var defaults = await client.ReadAsync<SlaPoliciesDocument>("/api/assignment/sla-policies");
        Assert.Equal(15, defaults.Policies!.Single(p => p.Sla == "first-contact" && p.Grade == Grade.Hot).TargetMinutes);
        using (var bad = await client.PutAsync(new Uri("/api/assignment/sla-policies", UriKind.Relative), ApiHelpers.Json("""
            { "policies": [ { "sla": "first-contact", "targetMinutes": 0 }, { "sla": "follow-up", "grade": "hot", "targetMinutes": 60, "warningPercent": 100 }, { "sla": "never" } ] }
            """)))
        {
            var errors = await ApiHelpers.ErrorsAsync(bad);
            Assert.Equal(
                ["policies[0].grade", "policies[0].targetMinutes", "policies[1].grade", "policies[1].warningPercent", "policies[2].sla"],
                errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        using var ok = await client.PutAsJsonAsync("/api/assignment/sla-policies", new SlaPoliciesDocument
        {
            Policies = [new SlaPolicyDocument { Sla = "first-contact", Grade = Grade.Hot, TargetMinutes = 5 }],
        }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(5, Assert.Single((await ok.Content.ReadFromJsonAsync<SlaPoliciesDocument>(CrmClient.JsonOptions))!.Policies!).TargetMinutes);
    }

    [Fact]
    public async Task A_hot_lead_heads_its_reps_queue_and_notifies_them_and_only_they_see_it()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var admin = factory.CreateClient();
        var ann = await CreateRepAsync(admin, "Ann", 10);
        var cold = Scored("cold", 5);
        var hot = Scored("hot", 40);
        await factory.Harness.Bus.Publish(cold);
        await AssignedAsync(factory, cold.LeadId);
        await factory.Harness.Bus.Publish(hot);
        var assigned = await AssignedAsync(factory, hot.LeadId);

        using var asAnn = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, ann.Id));
        var queue = await asAnn.ReadAsync<WorkQueueResponse>($"/api/assignment/reps/{ann.Id}/queue");
        Assert.Equal([hot.LeadId, cold.LeadId], queue.Items.Select(i => i.LeadId));
        var first = queue.Items[0];
        Assert.Equal((1, "first-contact", "on-track", $"/api/leads/{hot.LeadId}/activities"), (first.Rank, first.Action, first.SlaStatus, first.CompleteWith));
        Assert.Equal(assigned.OccurredAt.AddMinutes(15), first.DueAt!.Value, TimeSpan.FromMilliseconds(1));

        // The daily task list: the hot lead's first contact is due in 15 minutes, the cold one's in 48 hours (both
        // counted in Ann's calendar: always at work, in UTC), so the cold one is never due today and the hot one is
        // unless the test runs in the 15 minutes before UTC midnight: what is due by the end of Ann's day, from the due instants.
        var today = await asAnn.ReadAsync<WorkQueueResponse>($"/api/assignment/reps/{ann.Id}/queue?due=today");
        var endOfDay = new DateTimeOffset(assigned.OccurredAt.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        var dueToday = queue.Items.Where(i => i.DueAt <= endOfDay).Select(i => i.LeadId).ToList();
        Assert.Equal(first.DueAt <= endOfDay ? new List<string> { hot.LeadId } : [], dueToday);
        Assert.Equal(dueToday, today.Items.Select(i => i.LeadId));
        Assert.Equal(today.Items.Count, today.DueToday);
        using (var badDue = await asAnn.GetAsync(new Uri($"/api/assignment/reps/{ann.Id}/queue?due=tomorrow", UriKind.Relative)))
        {
            Assert.Equal(["due"], (await ApiHelpers.ErrorsAsync(badDue)).EnumerateObject().Select(p => p.Name));
        }

        var notifications = await asAnn.ReadAsync<Page<NotificationResponse>>($"/api/assignment/reps/{ann.Id}/notifications?unread=true");
        var note = Assert.Single(notifications.Items);
        Assert.Equal(("hot-lead", hot.LeadId), (note.Kind, note.LeadId));
        using (var read = await asAnn.PostAsync(new Uri($"/api/assignment/reps/{ann.Id}/notifications/{note.Id}/read", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        Assert.Empty((await asAnn.ReadAsync<Page<NotificationResponse>>($"/api/assignment/reps/{ann.Id}/notifications?unread=true")).Items);
        Assert.NotNull(Assert.Single((await asAnn.ReadAsync<Page<NotificationResponse>>($"/api/assignment/reps/{ann.Id}/notifications")).Items).ReadAt);

        using var asBo = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "someone-else"));
        using var hidden = await asBo.GetAsync(new Uri($"/api/assignment/reps/{ann.Id}/queue", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task Assignments_follow_merged_contacts_and_an_erasure_is_confirmed()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await CreateRepAsync(client, "Ann", 10);
        await CreateRepAsync(client, "Bob", 10);
        using (var put = await client.PutAsJsonAsync("/api/assignment/rules", new AssignmentRulesDocument
        {
            Rules = [new AssignmentRuleDocument { Id = "keep", Name = "Keep the owner", Strategy = "sticky" }],
        }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var first = Scored("warm", 10);
        await factory.Harness.Bus.Publish(first);
        Assert.Equal(ann.Id, (await AssignedAsync(factory, first.LeadId)).RepId);

        var survivor = Guid.CreateVersion7().ToString("N");
        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, SurvivorId = survivor, MergedIds = [first.ContactId] });
        await Poll.UntilAsync(async () => (await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{first.LeadId}")).ContactId == survivor, "the lead re-keyed to the survivor");

        // The survivor's next lead sticks with the owner of the merged contact's lead (round robin alone would give it to Bob).
        var next = Scored("warm", 10) with { ContactId = survivor };
        await factory.Harness.Bus.Publish(next);
        Assert.Equal(ann.Id, (await AssignedAsync(factory, next.LeadId)).RepId);
        Assert.Equal("Kept with the contact's previous owner.", (await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{next.LeadId}")).Explanation!.Note);

        var request = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = survivor, RequestId = request });
        var erased = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == request).FirstOrDefault()?.Context.Message),
            "the erasure confirmed by assignment");
        Assert.Equal(("assignment", survivor, 2), (erased.Service, erased.ContactId, erased.Records));
    }

    [Fact]
    public async Task The_export_returns_the_contacts_assignments_with_owner_and_routing_facts_and_nothing_of_another_contact()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        using var client = factory.CreateClient();
        var ann = await CreateRepAsync(client, "Ann", 10);
        var mine = Scored("hot", 30, "es") with { Region = "DE-BE" };
        var theirs = Scored("warm", 15);
        foreach (var lead in new[] { mine, theirs })
        {
            await factory.Harness.Bus.Publish(lead);
            Assert.Equal(ann.Id, (await AssignedAsync(factory, lead.LeadId)).RepId);
        }

        var reply = await factory.ExportPersonalDataAsync(mine.ContactId);

        Assert.Equal("assignment", reply.Service);
        var assignment = Assert.Single(reply.Records("assignments"));
        Assert.Equal((mine.LeadId, mine.ContactId, ann.Id, "es", "DE-BE"), (assignment.Text("id"), assignment.Text("contactId"), assignment.Text("repId"), assignment.Text("language"), assignment.Text("region")));
        Assert.True(assignment.GetProperty("history").GetArrayLength() >= 1);
        Assert.DoesNotContain(theirs.LeadId, reply.ToString(), StringComparison.Ordinal);

        // The erasure removes exactly the routing facts the export showed; the assignment itself stays.
        var request = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = mine.ContactId, RequestId = request });
        await Poll.UntilAsync(() => factory.Harness.Published.Any<ContactDataErased>(x => x.Context.Message.RequestId == request), "the erasure confirmed by assignment");
        var erased = Assert.Single((await factory.ExportPersonalDataAsync(mine.ContactId)).Records("assignments"));
        Assert.Equal((mine.LeadId, null, null), (erased.Text("id"), erased.Text("language"), erased.Text("region")));
    }

    [Fact]
    public async Task An_unmerge_moves_back_exactly_the_assignments_its_merge_moved_even_when_it_arrives_first()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        await CreateRepAsync(client, "Ann", 10);
        var merged = Scored("warm", 10);
        var own = Scored("warm", 10);
        await factory.Harness.Bus.Publish(merged);
        await factory.Harness.Bus.Publish(own);
        await AssignedAsync(factory, merged.LeadId);
        await AssignedAsync(factory, own.LeadId);
        var survivor = own.ContactId;
        var mergeId = Guid.NewGuid().ToString("N");

        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = mergeId, SurvivorId = survivor, MergedIds = [merged.ContactId] });
        await Poll.UntilAsync(async () => (await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{merged.LeadId}")).ContactId == survivor, "the lead re-keyed to the survivor");

        await factory.Harness.Bus.Publish(new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = mergeId, SurvivorId = survivor, RestoredIds = [merged.ContactId] });
        await Poll.UntilAsync(async () => (await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{merged.LeadId}")).ContactId == merged.ContactId, "the lead moved back");
        Assert.Equal(survivor, (await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{own.LeadId}")).ContactId);

        // The un-merge of another merge overtakes it: the late merge moves nothing.
        var early = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = early, SurvivorId = survivor, RestoredIds = [merged.ContactId] });
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<ContactsUnmerged>().Any(x => x.Context.Message.MergeId == early)), "the early un-merge consumed");
        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = early, SurvivorId = survivor, MergedIds = [merged.ContactId] });
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<ContactsMerged>().Any(x => x.Context.Message.MergeId == early)), "the late merge consumed");
        Assert.Equal(merged.ContactId, (await client.ReadAsync<LeadAssignmentResponse>($"/api/assignment/leads/{merged.LeadId}")).ContactId);
    }
}
