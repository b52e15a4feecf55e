using System.Net;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary><c>GET /api/contacts</c> through the public HTTP API: search, filters, cursor paging and who sees what.</summary>
public sealed class ContactListTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    private static string NewTag() => $"t-{Guid.NewGuid():N}";

    private async Task<string> TaggedAsync(string tag, object? more = null, string name = "Anna")
    {
        var id = await _api.NewContactAsync(name);
        var (status, body, _) = await _api.PatchAsync(id, more ?? new { tags = new[] { tag } });
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        return id;
    }

    [Fact]
    public async Task A_filtered_list_pages_newest_first_with_a_cursor_and_each_contact_once()
    {
        var tag = NewTag();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await TaggedAsync(tag));
        }

        await TaggedAsync(NewTag());

        var (items, pages) = await _api.ListAllAsync($"tag={tag.ToUpperInvariant()}&limit=2");

        Assert.Equal(3, pages);
        Assert.Equal(ids.AsEnumerable().Reverse(), items.Select(c => c.Id));
        Assert.All(items, c => Assert.Empty(c.Timeline));
    }

    [Fact]
    public async Task Search_finds_a_contact_by_email_phone_external_id_and_name_prefix()
    {
        var email = ContactApi.NewEmail();
        var subscriber = ContactApi.NewSubscriber();
        var unique = Guid.NewGuid().ToString("N")[..10];
        var id = await _api.NewContactAsync($"Zora  {unique} Quist", email, $"030 {subscriber}");
        var shopId = $"C-{unique}";
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { externalIds = new[] { new { kind = "shop", value = shopId } } })).Status);
        await _api.NewContactAsync($"Zora {Guid.NewGuid():N}");

        foreach (var q in new[] { email.ToUpperInvariant(), $"+49 30 {subscriber}", $"030{subscriber}", shopId, $"zora {unique}", $"ZORA   {unique} QU" })
        {
            var (items, _) = await _api.ListAllAsync($"q={Uri.EscapeDataString(q)}");
            Assert.True(items.Select(c => c.Id).SequenceEqual([id]), $"q={q}: {string.Join(", ", items.Select(c => c.Name))}");
        }

        var (none, _) = await _api.ListAllAsync($"q={Uri.EscapeDataString(shopId.ToLowerInvariant())}");
        Assert.Empty(none);
        var (middle, _) = await _api.ListAllAsync($"q={unique}");
        Assert.Empty(middle);
    }

    [Fact]
    public async Task Stage_country_and_creation_time_filter_the_list()
    {
        var tag = NewTag();
        var customer = await TaggedAsync(tag, new { tags = new[] { tag }, lifecycleStage = "customer", country = "AT" });
        var lead = await TaggedAsync(tag, new { tags = new[] { tag }, country = "DE" });
        var created = (await _api.GetAsync(lead)).CreatedAt;

        Assert.Equal([customer], (await _api.ListAllAsync($"tag={tag}&lifecycleStage=customer")).Items.Select(c => c.Id));
        Assert.Equal([lead], (await _api.ListAllAsync($"tag={tag}&lifecycleStage=lead")).Items.Select(c => c.Id));
        Assert.Equal([customer], (await _api.ListAllAsync($"tag={tag}&country=at")).Items.Select(c => c.Id));
        Assert.Equal([lead], (await _api.ListAllAsync($"tag={tag}&createdFrom={Uri.EscapeDataString(created.ToString("O"))}")).Items.Select(c => c.Id));
        Assert.Equal([customer], (await _api.ListAllAsync($"tag={tag}&createdTo={Uri.EscapeDataString(created.ToString("O"))}")).Items.Select(c => c.Id));
    }

    [Fact]
    public async Task Unknown_parameters_and_bad_values_are_a_400_naming_each()
    {
        var (status, problem) = await _api.GetRawAsync("/api/contacts?owner=x&limit=501&cursor=nope&lifecycleStage=vip&country=XX&createdFrom=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(
            new[] { "country", "createdFrom", "cursor", "lifecycleStage", "limit", "owner" },
            ContactApi.ErrorFields(problem).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_rep_lists_and_reads_only_the_contacts_of_their_leads()
    {
        var tag = NewTag();
        var mine = await TaggedAsync(tag);
        var theirs = await TaggedAsync(tag);
        var teams = await TaggedAsync(tag);
        var rep = $"rep-{Guid.NewGuid():N}";
        var colleague = $"rep-{Guid.NewGuid():N}";
        var team = $"team-{Guid.NewGuid():N}";
        await _api.AssignAsync(mine, rep, team);
        await _api.AssignAsync(theirs, colleague, null);
        await _api.AssignAsync(teams, $"rep-{Guid.NewGuid():N}", team);

        Assert.Equal([mine], (await _api.ListAllAsync($"tag={tag}", TestIdentity.Person(PersonRoles.Rep, rep, team))).Items.Select(c => c.Id));
        Assert.Equal([teams, mine], (await _api.ListAllAsync($"tag={tag}", TestIdentity.Person(PersonRoles.TeamLead, $"lead-{Guid.NewGuid():N}", team))).Items.Select(c => c.Id));
        Assert.Equal([teams, theirs, mine], (await _api.ListAllAsync($"tag={tag}", TestIdentity.Person(PersonRoles.Manager, subject: "m-1"))).Items.Select(c => c.Id));
        Assert.Empty((await _api.ListAllAsync($"tag={tag}", TestIdentity.Person(PersonRoles.Rep))).Items);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetRawAsync($"/api/contacts/{theirs}", TestIdentity.Person(PersonRoles.Rep, rep, team))).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.GetRawAsync($"/api/contacts/{mine}", TestIdentity.Person(PersonRoles.Rep, rep, team))).Status);
    }

    public void Dispose() => _api.Dispose();
}
