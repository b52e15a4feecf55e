using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contacts.Grpc;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>Possible duplicates (fuzzy candidates and conflicting captures) through the service's HTTP API: listed, never merged.</summary>
public sealed class DuplicatesApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    /// <summary>A surname of its own per test, so pairs of other tests never mix in.</summary>
    private static string Surname() => "Kowal" + string.Concat(Guid.NewGuid().ToString("N")[..6].Select(c => (char)('a' + (c % 26))));

    private async Task<List<DuplicateCandidateResponse>> OfContactAsync(string id, CallerIdentity? caller = null)
    {
        using var client = _api.Client(caller);
        using var response = await client.GetAsync($"/api/contacts/{id}/duplicates");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<DuplicateCandidateResponse>>(CrmClient.JsonOptions))!;
    }

    private async Task<List<DuplicateCandidateResponse>> ReviewAsync(string query = "")
    {
        using var client = _api.Client();
        var items = new List<DuplicateCandidateResponse>();
        string? cursor = null;
        do
        {
            using var response = await client.GetAsync($"/api/contacts/duplicates?limit=500{query}" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = (await response.Content.ReadFromJsonAsync<Page<DuplicateCandidateResponse>>(CrmClient.JsonOptions))!;
            items.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return items;
    }

    private async Task<DuplicateCandidateResponse> PairAsync(string id) =>
        await Poll.ForAsync(async () => (await OfContactAsync(id)).SingleOrDefault(), $"a possible duplicate of {id}");

    [Fact]
    public async Task A_similar_name_with_the_same_mailbox_name_elsewhere_is_listed_for_review_and_both_contacts_stay()
    {
        var surname = Surname();
        var local = Guid.NewGuid().ToString("N")[..8];
        var anna = await _api.NewContactAsync($"Anna {surname}", $"anna.{local}@gmail.com");
        var ana = await _api.NewContactAsync($"Ana {surname}", $"anna{local}@web.example");

        var pair = await PairAsync(ana);

        Assert.Equal(DuplicateCandidateResponseId(anna, ana), pair.Id);
        Assert.Equal(["similar-name", "same-mailbox-name"], pair.Reasons.Select(r => r.Kind));
        Assert.InRange(pair.Score, 0.65, 1);
        Assert.Null(pair.Conflict);
        Assert.Equal("open", pair.Status);
        Assert.Equal(pair.Id, (await OfContactAsync(anna)).Single().Id);
        Assert.Contains(await ReviewAsync(), p => p.Id == pair.Id);
        Assert.NotEqual(anna, ana);
        Assert.Equal(HttpStatusCode.OK, (await _api.GetRawAsync($"/api/contacts/{anna}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.GetRawAsync($"/api/contacts/{ana}")).Status);
    }

    [Fact]
    public async Task A_change_that_ends_the_likeness_removes_the_pair_and_an_address_change_can_make_one()
    {
        var surname = Surname();
        var first = await _api.NewContactAsync($"Maria {surname}", ContactApi.NewEmail());
        var second = await _api.NewContactAsync($"Maria {surname}", ContactApi.NewEmail());
        Assert.Empty(await OfContactAsync(second)); // the name alone is not enough (checked again below, once the consumer ran)

        var address = new { street = "Hauptstraße 5", postalCode = "10115", city = "Berlin" };
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(first, new { address })).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(second, new { address = new { street = "Hauptstr. 5", postalCode = "10115" } })).Status);
        var pair = await PairAsync(second);
        Assert.Equal(["similar-name", "same-address"], pair.Reasons.Select(r => r.Kind));
        Assert.Equal(0.8, pair.Score);
        Assert.Equal("Hauptstraße 5", (await _api.GetAsync(first)).Address!.Street);

        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(second, new { name = "Zbigniew Brzęczyszczykiewicz" })).Status);
        await Poll.UntilAsync(async () => (await OfContactAsync(second)).Count == 0, "the pair to go once the names differ");
        Assert.Empty(await OfContactAsync(first));
    }

    [Fact]
    public async Task A_capture_whose_email_is_one_contacts_and_phone_anothers_is_recorded_as_a_conflict_and_nothing_moves()
    {
        var email = ContactApi.NewEmail();
        var subscriber = ContactApi.NewSubscriber();
        var byEmail = await _api.NewContactAsync("Olga " + Surname(), email);
        var byPhone = await _api.NewContactAsync("Piotr " + Surname(), phone: "030 " + subscriber);

        var reply = await _api.Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Olga", Email = email, Phone = "+4930" + subscriber });
        await _api.Directory.ResolveContactAsync(new ResolveContactRequest { Email = email, Phone = "030" + subscriber });

        Assert.Equal(byEmail, reply.Contact.ContactId);
        Assert.DoesNotContain("+4930" + subscriber, reply.Contact.Phones);
        Assert.Contains("+4930" + subscriber, (await _api.GetAsync(byPhone)).Phones);
        var pair = (await OfContactAsync(byEmail)).Single();
        Assert.Equal(DuplicateCandidateResponseId(byEmail, byPhone), pair.Id);
        Assert.NotNull(pair.Conflict);
        Assert.Equal(2, pair.Conflict!.Count);
        Assert.Equal(
            [("email", byEmail), ("phone", byPhone)],
            pair.Conflict.Matches.Select(m => (m.Kind, m.ContactId)).Order());
        var review = await ReviewAsync();
        Assert.Contains(review, p => p.Id == pair.Id);
        Assert.True(review.TakeWhile(p => p.Conflict is not null).Any(p => p.Id == pair.Id), "conflicts come first in the review list");
    }

    [Fact]
    public async Task A_dismissed_pair_leaves_the_open_list_and_stays_dismissed_when_found_again()
    {
        var surname = Surname();
        var local = Guid.NewGuid().ToString("N")[..8];
        var one = await _api.NewContactAsync($"Eva {surname}", $"eva.{local}@gmail.com");
        var two = await _api.NewContactAsync($"Eva {surname}", $"eva{local}@web.example");
        var pair = await PairAsync(two);
        using var rep = _api.Client(TestIdentity.Person(PersonRoles.Rep, "rep-dup"));
        Assert.Equal(HttpStatusCode.Forbidden, (await rep.PostAsync($"/api/contacts/duplicates/{pair.Id}/dismiss", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rep.GetAsync("/api/contacts/duplicates")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rep.GetAsync($"/api/contacts/{one}/duplicates")).StatusCode);

        using var admin = _api.Client();
        using var dismissed = await admin.PostAsync($"/api/contacts/duplicates/{pair.Id}/dismiss", null);
        Assert.Equal(HttpStatusCode.OK, dismissed.StatusCode);
        var body = (await dismissed.Content.ReadFromJsonAsync<DuplicateCandidateResponse>(CrmClient.JsonOptions))!;
        Assert.Equal("dismissed", body.Status);
        Assert.Equal("test-admin", body.DismissedBy!.Id);
        Assert.DoesNotContain(await ReviewAsync(), p => p.Id == pair.Id);
        Assert.Contains(await ReviewAsync("&status=dismissed"), p => p.Id == pair.Id);
        Assert.Empty(await OfContactAsync(one));

        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(two, new { name = $"Eve {surname}" })).Status);
        await Poll.UntilAsync(
            async () => (await ReviewAsync("&status=dismissed")).SingleOrDefault(p => p.Id == pair.Id) is { } again && again.UpdatedAt > body.UpdatedAt,
            "the pair to be compared again");
        Assert.DoesNotContain(await ReviewAsync(), p => p.Id == pair.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/contacts/duplicates/nope~nothing/dismiss", null)).StatusCode);
    }

    [Fact]
    public async Task An_erased_contact_leaves_every_pair()
    {
        var surname = Surname();
        var local = Guid.NewGuid().ToString("N")[..8];
        var one = await _api.NewContactAsync($"Ida {surname}", $"ida.{local}@gmail.com");
        var two = await _api.NewContactAsync($"Ida {surname}", $"ida{local}@web.example");
        await PairAsync(two);

        using var admin = _api.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/contacts/{one}/erasure", null)).StatusCode);

        await Poll.UntilAsync(async () => (await OfContactAsync(two)).Count == 0, "the erased contact's pair to go");
        Assert.DoesNotContain(await ReviewAsync(), p => p.ContactA == one || p.ContactB == one);
    }

    [Fact]
    public async Task Bad_filters_and_a_bad_address_are_named_at_once()
    {
        var (status, body) = await _api.GetRawAsync("/api/contacts/duplicates?status=maybe&minScore=2&colour=red");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["colour", "minScore", "status"], ContactApi.ErrorFields(body).Order());

        var id = await _api.NewContactAsync("Hans " + Surname());
        var (patched, problem, _) = await _api.PatchAsync(id, new { address = new { street = "", zip = "1", city = 5 } });
        Assert.Equal(HttpStatusCode.BadRequest, patched);
        Assert.Equal(["address.city", "address.street", "address.zip"], ContactApi.ErrorFields(problem).Order());
        var (empty, emptyProblem, _) = await _api.PatchAsync(id, new { address = new { } });
        Assert.Equal(HttpStatusCode.BadRequest, empty);
        Assert.Equal(["address"], ContactApi.ErrorFields(emptyProblem));
    }

    private static string DuplicateCandidateResponseId(string one, string other) =>
        string.CompareOrdinal(one, other) <= 0 ? $"{one}~{other}" : $"{other}~{one}";

    public void Dispose() => _api.Dispose();
}
