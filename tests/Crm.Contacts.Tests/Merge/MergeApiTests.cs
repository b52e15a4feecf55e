using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Crm.Client;
using Crm.Contacts.Grpc;
using Crm.Contacts.Tests.Api;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Merge;

/// <summary>Merge and un-merge through the service's HTTP API (and resolve over gRPC), with what moves and what comes back.</summary>
public sealed class MergeApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    private async Task<string> ResolveAsync(string email) =>
        (await _api.Directory.ResolveContactAsync(new ResolveContactRequest { Email = email, Name = string.Empty, Phone = string.Empty })).Contact.ContactId;

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(CrmClient.JsonOptions))!;
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    private static Task<HttpResponseMessage> MergeAsync(HttpClient client, string survivor, string[] merged, Dictionary<string, string>? fields = null) =>
        client.PostAsJsonAsync("/api/contacts/merges", new CreateMergeRequest { SurvivorId = survivor, MergedIds = merged, Fields = fields }, CrmClient.JsonOptions);

    private static async Task OrderAsync(HttpClient client, string contact, string reference, string amount)
    {
        using var response = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", new PlaceOrderRequest { Reference = reference, Amount = new Money { Amount = amount, Currency = "EUR" } }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task ConsentAsync(HttpClient client, string contact, string status)
    {
        using var response = await client.PostAsJsonAsync($"/api/contacts/{contact}/consent", new ChangeConsentRequest
        {
            Channels = [new ChannelConsentChange { Channel = "email", Status = status, LegalBasis = "consent", Source = "web-form", WordingVersion = "v1" }],
        }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_merge_unites_the_survivor_and_moves_everything_and_its_undo_restores_both()
    {
        using var admin = _api.Client();
        var survivorEmail = ContactApi.NewEmail();
        var mergedEmail = ContactApi.NewEmail();
        var survivor = await _api.NewContactAsync("Anna", survivorEmail);
        var merged = await _api.NewContactAsync("Anna Schmidt", mergedEmail);
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(survivor, new { tags = new[] { "newsletter" }, country = "DE" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(merged, new { tags = new[] { "vip" }, locale = "de-AT" })).Status);
        await OrderAsync(admin, survivor, "S-1", "10.00");
        await OrderAsync(admin, merged, "M-1", "25.50");
        await ConsentAsync(admin, survivor, "granted");
        await ConsentAsync(admin, merged, "withdrawn");
        await _api.AssignAsync(survivor, "rep-s", leadId: $"lead-s-{Guid.NewGuid():N}");
        await _api.AssignAsync(merged, "rep-m", leadId: $"lead-m-{Guid.NewGuid():N}");
        using var repM = _api.Client(TestIdentity.Person(PersonRoles.Rep, "rep-m"));
        Assert.Equal(HttpStatusCode.NotFound, (await repM.GetAsync($"/api/contacts/{survivor}")).StatusCode);

        using var created = await MergeAsync(admin, survivor, [merged]);
        var merge = await ReadAsync<MergeResponse>(created, HttpStatusCode.Created);
        Assert.Equal($"/api/contacts/merges/{merge.Id}", created.Headers.Location!.OriginalString);
        Assert.Equal((survivor, merged, "test-admin"), (merge.SurvivorId, Assert.Single(merge.MergedIds), merge.By.Id));
        Assert.Null(merge.UndoneAt);

        // The survivor: the most recently updated name and locale, e-mails and tags united, the merged one's primary first.
        Assert.Equal("Anna Schmidt", merge.Survivor.Name);
        Assert.Equal(("de-AT", "DE"), (merge.Survivor.Locale, merge.Survivor.Country));
        Assert.Equal([mergedEmail, survivorEmail], merge.Survivor.Emails);
        Assert.Equal(["newsletter", "vip"], merge.Survivor.Tags);

        // Identities resolve to the survivor; the merged id is gone from reads, naming the survivor.
        Assert.Equal(survivor, await ResolveAsync(mergedEmail));
        var gone = await ProblemAsync(await admin.GetAsync($"/api/contacts/{merged}"), HttpStatusCode.NotFound);
        Assert.Equal((survivor, merge.Id), ((string?)gone["mergedInto"], (string?)gone["mergeId"]));
        var (found, _) = await _api.ListAllAsync($"q={Uri.EscapeDataString(mergedEmail)}");
        Assert.Equal(survivor, Assert.Single(found).Id);

        // Consent: the refusal wins, both contacts' ledger entries kept under the survivor plus the merge's.
        var consent = await admin.GetFromJsonAsync<ConsentResponse>($"/api/contacts/{survivor}/consent", CrmClient.JsonOptions);
        Assert.Equal("withdrawn", Assert.Single(consent!.Channels).Status);
        Assert.Equal(["merge", "web-form", "web-form"], consent.Ledger.Items.Select(e => e.Source));

        // Orders, summary, timeline and owners moved.
        var orders = await admin.GetFromJsonAsync<Page<OrderResponse>>($"/api/contacts/{survivor}/orders", CrmClient.JsonOptions);
        Assert.Equal(["M-1", "S-1"], orders!.Items.Select(o => o.Reference).Order());
        var summary = await admin.GetFromJsonAsync<CustomerSummaryResponse>($"/api/contacts/{survivor}/summary", CrmClient.JsonOptions);
        Assert.Equal((2, "35.50"), (summary!.Orders, Assert.Single(summary.TotalSpent).Amount));
        var contact = await _api.GetAsync(survivor);
        Assert.Equal("contacts-merged", contact.Timeline[0].Type);
        Assert.Contains("test-admin", contact.Timeline[0].Summary, StringComparison.Ordinal);
        Assert.Equal(2, contact.Timeline.Count(t => t.Type == "order-placed"));
        Assert.Equal(HttpStatusCode.OK, (await repM.GetAsync($"/api/contacts/{survivor}")).StatusCode);

        var mergedEvent = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<ContactsMerged>().Select(x => x.Context.Message).FirstOrDefault(m => m.MergeId == merge.Id)),
            "ContactsMerged published");
        Assert.Equal((survivor, merged), (mergedEvent.SurvivorId, Assert.Single(mergedEvent.MergedIds)));
        Assert.Equal(merge.Id, Assert.Single((await admin.GetFromJsonAsync<Page<MergeResponse>>($"/api/contacts/merges?contactId={merged}", CrmClient.JsonOptions))!.Items).Id);

        // Undo: both back as they were, the identities resolve to their own contacts again.
        using var undone = await admin.PostAsync($"/api/contacts/merges/{merge.Id}/undo", null);
        var undo = await ReadAsync<MergeResponse>(undone, HttpStatusCode.OK);
        Assert.NotNull(undo.UndoneAt);
        Assert.Equal(merged, await ResolveAsync(mergedEmail));
        Assert.Equal(survivor, await ResolveAsync(survivorEmail));
        var restored = await _api.GetAsync(merged);
        Assert.Equal(("Anna Schmidt", "de-AT"), (restored.Name, restored.Locale));
        Assert.Equal([mergedEmail], restored.Emails);
        Assert.Equal(["vip"], restored.Tags);
        Assert.Contains(restored.Timeline, t => t.Type == "order-placed");
        Assert.Equal("contacts-unmerged", restored.Timeline[0].Type);
        var back = await _api.GetAsync(survivor);
        Assert.Equal(("Anna", null), (back.Name, back.Locale));
        Assert.Equal([survivorEmail], back.Emails);
        Assert.Equal(["newsletter"], back.Tags);
        Assert.Equal("contacts-unmerged", back.Timeline[0].Type);
        Assert.Equal(["S-1"], (await admin.GetFromJsonAsync<Page<OrderResponse>>($"/api/contacts/{survivor}/orders", CrmClient.JsonOptions))!.Items.Select(o => o.Reference));
        Assert.Equal(["M-1"], (await admin.GetFromJsonAsync<Page<OrderResponse>>($"/api/contacts/{merged}/orders", CrmClient.JsonOptions))!.Items.Select(o => o.Reference));
        Assert.Equal(1, (await admin.GetFromJsonAsync<CustomerSummaryResponse>($"/api/contacts/{merged}/summary", CrmClient.JsonOptions))!.Orders);
        Assert.Equal(1, (await admin.GetFromJsonAsync<CustomerSummaryResponse>($"/api/contacts/{survivor}/summary", CrmClient.JsonOptions))!.Orders);
        Assert.Equal("granted", Assert.Single((await admin.GetFromJsonAsync<ConsentResponse>($"/api/contacts/{survivor}/consent", CrmClient.JsonOptions))!.Channels).Status);
        var mergedConsent = await admin.GetFromJsonAsync<ConsentResponse>($"/api/contacts/{merged}/consent", CrmClient.JsonOptions);
        Assert.Equal(("withdrawn", 1), (Assert.Single(mergedConsent!.Channels).Status, mergedConsent.Ledger.Items.Count));
        Assert.Equal(HttpStatusCode.NotFound, (await repM.GetAsync($"/api/contacts/{survivor}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await repM.GetAsync($"/api/contacts/{merged}")).StatusCode);
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Published.Select<ContactsUnmerged>().Any(x => x.Context.Message.MergeId == merge.Id && x.Context.Message.RestoredIds.SequenceEqual(new[] { merged }))), "ContactsUnmerged published");

        // Twice: 409. The merge reads as undone.
        var again = await ProblemAsync(await admin.PostAsync($"/api/contacts/merges/{merge.Id}/undo", null), HttpStatusCode.Conflict);
        Assert.Equal("Merge already undone.", (string?)again["title"]);
        Assert.NotNull((await admin.GetFromJsonAsync<MergeResponse>($"/api/contacts/merges/{merge.Id}", CrmClient.JsonOptions))!.UndoneAt);
    }

    [Fact]
    public async Task Bad_requests_unknown_merged_and_erased_contacts_are_refused_and_only_admins_merge()
    {
        using var admin = _api.Client();
        var a = await _api.NewContactAsync("A");
        var b = await _api.NewContactAsync("B");
        var c = await _api.NewContactAsync("C");

        var self = await ProblemAsync(await MergeAsync(admin, a, [a]), HttpStatusCode.BadRequest);
        Assert.Equal(["mergedIds[0]"], ContactApi.ErrorFields(self));
        var bad = await ProblemAsync(await MergeAsync(admin, string.Empty, [], new Dictionary<string, string> { ["nickname"] = a }), HttpStatusCode.BadRequest);
        Assert.Equal(["survivorId", "mergedIds", "fields.nickname"], ContactApi.ErrorFields(bad));
        using (var unknownMember = await admin.PostAsync("/api/contacts/merges", JsonContent.Create(new { survivorId = a, mergedIds = new[] { b }, isAdmin = true })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknownMember.StatusCode);
        }

        var unknown = $"nobody-{Guid.NewGuid():N}";
        Assert.Contains(unknown, (string?)(await ProblemAsync(await MergeAsync(admin, a, [unknown]), HttpStatusCode.NotFound))["detail"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/contacts/merges/{unknown}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/contacts/merges/{unknown}/undo", null)).StatusCode);

        // Only contacts:admin merges (a manager has write, not admin; a rep neither).
        using var manager = _api.Client(TestIdentity.Person(PersonRoles.Manager));
        Assert.Equal(HttpStatusCode.Forbidden, (await MergeAsync(manager, a, [b])).StatusCode);
        using var rep = _api.Client(TestIdentity.Person(PersonRoles.Rep, "rep-x"));
        Assert.Equal(HttpStatusCode.Forbidden, (await MergeAsync(rep, a, [b])).StatusCode);

        var merge = await ReadAsync<MergeResponse>(await MergeAsync(admin, a, [b]), HttpStatusCode.Created);
        var twice = await ProblemAsync(await MergeAsync(admin, c, [b]), HttpStatusCode.Conflict);
        Assert.Equal((b, a), ((string?)twice["contactId"], (string?)twice["mergedInto"]));
        // A survivor of a standing merge cannot be merged away (its absorbed contacts would lose their way back).
        Assert.Equal(HttpStatusCode.Conflict, (await MergeAsync(admin, c, [a])).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await MergeAsync(admin, a, [c])).StatusCode);

        var erased = await _api.NewContactAsync("E");
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/contacts/{erased}/erasure", null)).StatusCode);
        var refused = await ProblemAsync(await MergeAsync(admin, a, [erased]), HttpStatusCode.Conflict);
        Assert.Equal("Contact erased.", (string?)refused["title"]);

        // Erasing the survivor erases what it absorbed, the un-merge snapshot included.
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/contacts/{a}/erasure", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/contacts/merges/{merge.Id}")).StatusCode);
        Assert.Equal("Contact erased.", (string?)(await ProblemAsync(await MergeAsync(admin, await _api.NewContactAsync("F"), [b]), HttpStatusCode.Conflict))["title"]);
    }

    [Fact]
    public async Task The_rules_decide_unless_the_request_chooses_and_are_replaced_with_if_match()
    {
        using var admin = _api.Client();
        using var read = await admin.GetAsync("/api/contacts/merge-rules");
        var etag = read.Headers.ETag!.Tag;
        var rules = await ReadAsync<MergeRulesDocument>(read, HttpStatusCode.OK);

        using var badRules = await admin.PutAsJsonAsync("/api/contacts/merge-rules", new MergeRulesDocument { Fields = new Dictionary<string, string> { ["name"] = "newest", ["shoeSize"] = "survivor" } }, CrmClient.JsonOptions);
        Assert.Equal(["fields.name", "fields.shoeSize"], ContactApi.ErrorFields(await ProblemAsync(badRules, HttpStatusCode.BadRequest)));

        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/contacts/merge-rules") { Content = JsonContent.Create(new MergeRulesDocument { Fields = new Dictionary<string, string> { ["name"] = "survivor", ["locale"] = "mostRecent" } }, options: CrmClient.JsonOptions) };
        put.Headers.TryAddWithoutValidation("If-Match", etag);
        var saved = await ReadAsync<MergeRulesDocument>(await admin.SendAsync(put), HttpStatusCode.OK);
        Assert.Equal((rules.Version + 1, "survivor"), (saved.Version, saved.Fields!["name"]));
        Assert.False(saved.Fields.ContainsKey("locale"));

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/api/contacts/merge-rules") { Content = JsonContent.Create(new MergeRulesDocument { Fields = new Dictionary<string, string>() }, options: CrmClient.JsonOptions) };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await admin.SendAsync(stale)).StatusCode);
        using var manager = _api.Client(TestIdentity.Person(PersonRoles.Manager));
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PutAsJsonAsync("/api/contacts/merge-rules", new MergeRulesDocument(), CrmClient.JsonOptions)).StatusCode);

        try
        {
            var survivor = await _api.NewContactAsync("Old Name");
            var merged = await _api.NewContactAsync("New Name");
            Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(merged, new { region = "Kent" })).Status);
            var merge = await ReadAsync<MergeResponse>(await MergeAsync(admin, survivor, [merged]), HttpStatusCode.Created);
            Assert.Equal(("Old Name", "Kent", survivor), (merge.Survivor.Name, merge.Survivor.Region, merge.Fields["name"]));

            var other = await _api.NewContactAsync("Chosen Name");
            var chosen = await ReadAsync<MergeResponse>(await MergeAsync(admin, survivor, [other], new Dictionary<string, string> { ["name"] = other }), HttpStatusCode.Created);
            Assert.Equal("Chosen Name", chosen.Survivor.Name);
        }
        finally
        {
            using var reset = await admin.PutAsJsonAsync("/api/contacts/merge-rules", new MergeRulesDocument(), CrmClient.JsonOptions);
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        }
    }

    public void Dispose() => _api.Dispose();
}
