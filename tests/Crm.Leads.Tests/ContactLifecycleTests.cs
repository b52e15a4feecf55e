using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Contacts;
using Crm.Leads.Signals;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>Leads' side of merges and GDPR erasure (the Contacts issue publishes these events; the consumers live here).</summary>
public sealed class ContactLifecycleTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<LeadResponse> CaptureAsync(CaptureLeadRequest request, string? idempotencyKey = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/leads") { Content = JsonContent.Create(request, options: CrmClient.JsonOptions) };
        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await _client.SendAsync(message);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
    }

    private async Task<LeadResponse> LeadAsync(string id) => (await _client.GetFromJsonAsync<LeadResponse>($"/api/leads/{id}", CrmClient.JsonOptions))!;

    [Fact]
    public async Task A_merge_moves_the_merged_contacts_leads_to_the_survivor_keeping_one_open_lead_per_pipeline()
    {
        var survivor = await CaptureAsync(new CaptureLeadRequest { Email = $"s-{Guid.NewGuid():N}@example.com", Source = "merge" });
        var merged = await CaptureAsync(new CaptureLeadRequest { Email = $"m-{Guid.NewGuid():N}@example.com", Source = "merge" });

        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, SurvivorId = survivor.ContactId!, MergedIds = [merged.ContactId!] });

        var moved = await Poll.ForAsync(async () => await LeadAsync(merged.Id) is { } l && l.ContactId == survivor.ContactId ? l : null, "the merged contact's lead to move");
        Assert.Equal(merged.Version + 1, moved.Version);
        var page = await _client.GetFromJsonAsync<Page<LeadResponse>>($"/api/leads?contactId={survivor.ContactId}", CrmClient.JsonOptions);
        Assert.Equal([merged.Id, survivor.Id], page!.Items.Select(l => l.Id));

        // The survivor's open lead keeps the contact's key: a new capture of the survivor lands on it, not on the moved one.
        using var again = await _client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = survivor.Email, Source = "merge-again" }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(survivor.Id, (await again.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!.Id);
    }

    [Fact]
    public async Task An_unmerge_moves_back_exactly_what_its_merge_moved_and_one_that_overtakes_its_merge_loses_nothing()
    {
        var survivor = await CaptureAsync(new CaptureLeadRequest { Email = $"s-{Guid.NewGuid():N}@example.com", Source = "unmerge" });
        var merged = await CaptureAsync(new CaptureLeadRequest { Email = $"m-{Guid.NewGuid():N}@example.com", Source = "unmerge" });
        var mergeId = Guid.NewGuid().ToString("N");

        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = mergeId, SurvivorId = survivor.ContactId!, MergedIds = [merged.ContactId!] });
        await Poll.UntilAsync(async () => (await LeadAsync(merged.Id)).ContactId == survivor.ContactId, "the merged contact's lead to move");

        await factory.Harness.Bus.Publish(new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = mergeId, SurvivorId = survivor.ContactId!, RestoredIds = [merged.ContactId!] });
        var back = await Poll.ForAsync(async () => await LeadAsync(merged.Id) is { } l && l.ContactId == merged.ContactId ? l : null, "the lead to move back");
        Assert.Equal(merged.Version + 2, back.Version);
        Assert.Equal(survivor.ContactId, (await LeadAsync(survivor.Id)).ContactId);
        Assert.Equal([survivor.Id], (await _client.GetFromJsonAsync<Page<LeadResponse>>($"/api/leads?contactId={survivor.ContactId}", CrmClient.JsonOptions))!.Items.Select(l => l.Id));

        // Moved back, it is the restored contact's open lead again: a new capture of that person lands on it.
        using (var again = await _client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = merged.Email, Source = "unmerge-again" }, CrmClient.JsonOptions))
        {
            Assert.Equal((HttpStatusCode.OK, merged.Id), (again.StatusCode, (await again.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!.Id));
        }

        // An un-merge delivered before its merge: the merge then moves nothing.
        var late = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = late, SurvivorId = survivor.ContactId!, RestoredIds = [merged.ContactId!] });
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<ContactsUnmerged>().Any(x => x.Context.Message.MergeId == late)), "the early un-merge consumed");
        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = late, SurvivorId = survivor.ContactId!, MergedIds = [merged.ContactId!] });
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<ContactsMerged>().Any(x => x.Context.Message.MergeId == late)), "the late merge consumed");
        Assert.Equal(merged.ContactId, (await LeadAsync(merged.Id)).ContactId);
    }

    [Fact]
    public async Task An_erasure_request_anonymises_every_lead_of_the_contact_and_is_confirmed()
    {
        var email = $"e-{Guid.NewGuid():N}@example.com";
        var lead = await CaptureAsync(new CaptureLeadRequest
        {
            Name = "Erik Erase",
            Email = email,
            Phone = "+49 151 99887766",
            ExternalId = $"shop:{Guid.NewGuid():N}",
            Source = "erasure",
            Campaign = "winter",
            Utm = new UtmTags { Source = "news", Medium = "email" },
            Fields = new Dictionary<string, string> { ["shoe"] = "44" },
        }, idempotencyKey: Guid.NewGuid().ToString("N"));
        using (var activity = new HttpRequestMessage(HttpMethod.Post, $"/api/leads/{lead.Id}/activities") { Content = JsonContent.Create(new LogActivityRequest { Type = "call", Note = "Erik's wife answered" }, options: CrmClient.JsonOptions) })
        {
            activity.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            (await _client.SendAsync(activity)).Dispose();
        }

        // Both kept responses (for replays under their Idempotency-Key) hold the person's data.
        var kept = PlatformCollections.Idempotency.Find(Filter<IdempotentResponse>.Contains(x => x.Subjects, lead.Id));
        Assert.Equal(2, await factory.Store.CountAsync(kept));
        (await _client.PostAsJsonAsync("/api/leads/signals", new RecordSignalsRequest { Items = [new SignalRequest { Id = $"e-{Guid.NewGuid():N}", Type = "click", LeadId = lead.Id }] }, CrmClient.JsonOptions)).Dispose();
        var request = Guid.NewGuid().ToString("N");

        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = lead.ContactId!, RequestId = request });

        await Poll.UntilAsync(() => factory.Harness.Published.Any<ContactDataErased>(x => x.Context.Message.RequestId == request && x.Context.Message.Service == "leads" && x.Context.Message.Records == 1), "ContactDataErased from leads");
        var erased = await LeadAsync(lead.Id);
        Assert.Equal((null, null, null, null, null), (erased.Name, erased.Email, erased.Phone, erased.ExternalId, erased.Utm));
        Assert.Empty(erased.Fields);
        Assert.All(erased.Activities, a => Assert.Null(a.Note));
        Assert.Equal(("erasure", "winter"), (erased.Source, erased.Campaign));
        Assert.Equal(0, await factory.Store.CountAsync(SignalCollections.Signals.Find(Filter<SignalRecord>.Eq(x => x.LeadId, lead.Id))));
        Assert.Equal(0, await factory.Store.CountAsync(kept));
    }

    [Fact]
    public async Task The_export_returns_the_contacts_leads_and_signals_and_nothing_of_another_contact_and_after_an_erasure_what_is_left()
    {
        var email = $"x-{Guid.NewGuid():N}@example.com";
        var lead = await CaptureAsync(new CaptureLeadRequest { Name = "Xenia Export", Email = email, Source = "export", Fields = new Dictionary<string, string> { ["shoe"] = "38" } });
        var other = await CaptureAsync(new CaptureLeadRequest { Name = "Otto Other", Email = $"o-{Guid.NewGuid():N}@example.com", Source = "export" });
        foreach (var id in new[] { lead.Id, other.Id })
        {
            (await _client.PostAsJsonAsync("/api/leads/signals", new RecordSignalsRequest { Items = [new SignalRequest { Id = $"x-{Guid.NewGuid():N}", Type = "click", LeadId = id }] }, CrmClient.JsonOptions)).Dispose();
        }

        var reply = await factory.ExportPersonalDataAsync(lead.ContactId!);

        Assert.Equal("leads", reply.Service);
        Assert.Equal(["leads", "signals"], reply.Sections.Select(s => s.Kind));
        var exported = Assert.Single(reply.Records("leads"));
        Assert.Equal((lead.Id, lead.ContactId, "Xenia Export", email), (exported.Text("id"), exported.Text("contactId"), exported.Text("name"), exported.Text("email")));
        Assert.Equal("38", exported.GetProperty("fields").GetProperty("shoe").GetString());
        Assert.True(exported.GetProperty("stageHistory").GetArrayLength() >= 1);
        Assert.Equal([lead.Id], reply.Records("signals").Select(s => s.Text("leadId")));
        Assert.DoesNotContain("Otto", reply.ToString(), StringComparison.Ordinal);

        // The erasure anonymises and deletes exactly what the export returned: the lead stays without the person, the signals go.
        var request = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = lead.ContactId!, RequestId = request });
        await Poll.UntilAsync(() => factory.Harness.Published.Any<ContactDataErased>(x => x.Context.Message.RequestId == request), "ContactDataErased from leads");
        var after = await factory.ExportPersonalDataAsync(lead.ContactId!);
        var anonymised = Assert.Single(after.Records("leads"));
        Assert.Equal((lead.Id, null, null), (anonymised.Text("id"), anonymised.Text("name"), anonymised.Text("email")));
        Assert.Empty(after.Records("signals"));
        Assert.Single((await factory.ExportPersonalDataAsync(other.ContactId!)).Records("signals"));
    }
}
