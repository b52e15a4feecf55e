using System.Net;
using System.Net.Http.Json;
using System.Text;
using Crm.Client;
using Crm.Contacts.Consent;
using Crm.Contacts.Grpc;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>The consent endpoints through the service's HTTP API, the event they publish, and the consent gRPC GetContact returns.</summary>
public sealed class ConsentApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    private ContactDirectory.ContactDirectoryClient Directory => _api.Directory;

    private IDocumentStore Store => _api.Store;

    private Task<string> NewContactAsync() => _api.NewContactAsync("Nora");

    private static ChannelConsentChange Email(string status) => new()
    {
        Channel = "email",
        Status = status,
        LegalBasis = status == "granted" ? "consent" : null,
        Source = status == "granted" ? "web-form" : "email",
        Wording = status == "granted" ? "Yes, send me offers by e-mail." : "Unsubscribe link",
        WordingVersion = status == "granted" ? "newsletter-2026-11" : null,
    };

    private static async Task<(HttpStatusCode Status, ConsentResponse? Body, string Text)> PostAsync(HttpClient client, string contactId, ChangeConsentRequest request)
    {
        using var response = await client.PostAsJsonAsync($"/api/contacts/{contactId}/consent", request, CrmClient.JsonOptions);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? System.Text.Json.JsonSerializer.Deserialize<ConsentResponse>(text, CrmClient.JsonOptions) : null, text);
    }

    [Fact]
    public async Task Granting_then_withdrawing_are_one_call_each_and_the_ledger_keeps_both_newest_first()
    {
        var contactId = await NewContactAsync();
        using var client = factory.CreateClient();

        var granted = await PostAsync(client, contactId, new ChangeConsentRequest { Channels = [Email("granted")] });
        var withdrawn = await PostAsync(client, contactId, new ChangeConsentRequest { Channels = [Email("withdrawn")] });
        var read = await client.GetFromJsonAsync<ConsentResponse>($"/api/contacts/{contactId}/consent", CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.OK, granted.Status);
        Assert.Equal("granted", Assert.Single(granted.Body!.Channels).Status);
        Assert.Equal(HttpStatusCode.OK, withdrawn.Status);
        var email = Assert.Single(read!.Channels);
        Assert.Equal(("email", "withdrawn", "email", (string?)null), (email.Channel, email.Status, email.Source, email.LegalBasis));
        Assert.Equal(("key", "test-admin"), (email.By.Kind, email.By.Id));
        Assert.Equal(2, read.Version);
        Assert.False(read.DoNotContact.Active);
        Assert.Equal(["withdrawn", "granted"], read.Ledger.Items.Select(e => e.Status));
        var first = read.Ledger.Items[1];
        Assert.Equal(("consent", "web-form", "Yes, send me offers by e-mail.", "newsletter-2026-11"), (first.LegalBasis, first.Source, first.Wording, first.WordingVersion));
        Assert.Null(read.Ledger.NextCursor);
    }

    [Fact]
    public async Task Several_channels_and_do_not_contact_in_one_call_each_publish_ConsentChanged_through_the_outbox()
    {
        var contactId = await NewContactAsync();
        using var client = factory.CreateClient();

        var answer = await PostAsync(client, contactId, new ChangeConsentRequest
        {
            Channels =
            [
                new ChannelConsentChange { Channel = "sms", Status = "granted", LegalBasis = "contract", Source = "pos" },
                new ChannelConsentChange { Channel = "whatsapp", Status = "withdrawn", Source = "whatsapp" },
            ],
            DoNotContact = new DoNotContactChange { Active = true, Reason = "Asked on the phone not to be contacted again.", Source = "phone" },
        });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.True(answer.Body!.DoNotContact.Active);
        Assert.Equal(("phone", "Asked on the phone not to be contacted again."), (answer.Body.DoNotContact.Source, answer.Body.DoNotContact.Reason));
        Assert.Equal(["sms", "whatsapp"], answer.Body.Channels.Select(c => c.Channel));
        Assert.Equal(3, answer.Body.Ledger.Items.Count);
        await Poll.UntilAsync(() => factory.Harness.Published.Any<ConsentChanged>(x => x.Context.Message.ContactId == contactId && x.Context.Message.Channel == "sms" && x.Context.Message.Status == "granted" && x.Context.Message.LegalBasis == "contract" && !x.Context.Message.DoNotContact), "ConsentChanged for sms");
        await Poll.UntilAsync(() => factory.Harness.Published.Any<ConsentChanged>(x => x.Context.Message.ContactId == contactId && x.Context.Message.Channel == "whatsapp" && x.Context.Message.Status == "withdrawn"), "ConsentChanged for whatsapp");
        await Poll.UntilAsync(() => factory.Harness.Published.Any<ConsentChanged>(x => x.Context.Message.ContactId == contactId && x.Context.Message.Channel == null && x.Context.Message.DoNotContact && x.Context.Message.Version == 3 && x.Context.Message.By!.Id == "test-admin"), "ConsentChanged for do-not-contact");
    }

    [Fact]
    public async Task GetContact_over_gRPC_returns_the_consent_a_sender_checks()
    {
        var contactId = await NewContactAsync();
        using var client = factory.CreateClient();
        var before = await Directory.GetContactAsync(new GetContactRequest { ContactId = contactId });

        await PostAsync(client, contactId, new ChangeConsentRequest { Channels = [Email("granted"), new ChannelConsentChange { Channel = "phone", Status = "withdrawn", Source = "phone" }] });
        await PostAsync(client, contactId, new ChangeConsentRequest { DoNotContact = new DoNotContactChange { Active = true, Source = "api" } });
        var after = await Directory.GetContactAsync(new GetContactRequest { ContactId = contactId });

        Assert.False(before.DoNotContact);
        Assert.Empty(before.Consents);
        Assert.True(after.DoNotContact);
        Assert.Equal([("email", "granted", "consent"), ("phone", "withdrawn", "")], after.Consents.Select(c => (c.Channel, c.Status, c.LegalBasis)));

        await PostAsync(client, contactId, new ChangeConsentRequest { DoNotContact = new DoNotContactChange { Active = false, Source = "api" } });
        Assert.False((await Directory.GetContactAsync(new GetContactRequest { ContactId = contactId })).DoNotContact);
    }

    [Fact]
    public async Task Concurrent_first_changes_of_one_contact_are_all_recorded()
    {
        var contactId = await NewContactAsync();
        using var client = factory.CreateClient();

        var answers = await Task.WhenAll(
            PostAsync(client, contactId, new ChangeConsentRequest { Channels = [Email("granted")] }),
            PostAsync(client, contactId, new ChangeConsentRequest { Channels = [new ChannelConsentChange { Channel = "sms", Status = "withdrawn", Source = "sms" }] }),
            PostAsync(client, contactId, new ChangeConsentRequest { DoNotContact = new DoNotContactChange { Active = true, Source = "api" } }));
        var read = await client.GetFromJsonAsync<ConsentResponse>($"/api/contacts/{contactId}/consent", CrmClient.JsonOptions);

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.OK, a.Text));
        Assert.Equal(3, read!.Version);
        Assert.Equal(3, read.Ledger.Items.Count);
        Assert.Equal(["email", "sms"], read.Channels.Select(c => c.Channel));
        Assert.True(read.DoNotContact.Active);
    }

    [Fact]
    public async Task Every_bad_field_is_named_at_once_and_nothing_is_recorded()
    {
        var contactId = await NewContactAsync();
        using var client = factory.CreateClient();
        var body = $$"""
            {
              "channels": [
                { "channel": "fax", "status": "maybe", "legalBasis": "because", "source": "Web Form", "wording": "{{new string('x', 2001)}}" },
                { "channel": "email", "status": "granted", "source": "web-form" },
                { "channel": "email", "status": "granted", "legalBasis": "consent", "source": "api" }
              ],
              "doNotContact": { "reason": "r", "source": "" }
            }
            """;

        using var response = await client.PostAsync(new Uri($"/api/contacts/{contactId}/consent", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        Assert.Equal(
            new[]
            {
                "channels[0].channel", "channels[0].legalBasis", "channels[0].source", "channels[0].status", "channels[0].wording",
                "channels[1].legalBasis", "channels[2].channel", "channels[2].wording", "doNotContact.active", "doNotContact.source",
            },
            problem!.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Null(await Store.GetAsync(ConsentCollections.Consents, contactId));
    }

    [Fact]
    public async Task An_empty_change_and_an_unknown_field_are_400()
    {
        var contactId = await NewContactAsync();
        using var client = factory.CreateClient();

        using var empty = await client.PostAsync(new Uri($"/api/contacts/{contactId}/consent", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"));
        using var unknown = await client.PostAsync(new Uri($"/api/contacts/{contactId}/consent", UriKind.Relative), new StringContent("""{"channels":[],"version":3}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("channels", (await empty.Content.ReadFromJsonAsync<HttpValidationProblemDetails>())!.Errors.Keys);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("version", (await unknown.Content.ReadFromJsonAsync<HttpValidationProblemDetails>())!.Errors.Keys);
    }

    [Fact]
    public async Task An_unknown_contact_is_404_to_read_and_to_change()
    {
        var id = $"no-such-{Guid.NewGuid():N}";
        using var client = factory.CreateClient();

        using var read = await client.GetAsync(new Uri($"/api/contacts/{id}/consent", UriKind.Relative));
        var change = await PostAsync(client, id, new ChangeConsentRequest { Channels = [Email("granted")] });

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, change.Status);
        Assert.Null(await Store.GetAsync(ConsentCollections.Consents, id));
    }

    [Fact]
    public async Task The_ledger_is_paged_newest_first()
    {
        var contactId = await NewContactAsync();
        using var client = factory.CreateClient();
        await PostAsync(client, contactId, new ChangeConsentRequest { Channels = [Email("granted")] });
        await PostAsync(client, contactId, new ChangeConsentRequest { Channels = [Email("withdrawn")] });
        await PostAsync(client, contactId, new ChangeConsentRequest { Channels = [Email("granted")] });

        var first = await client.GetFromJsonAsync<ConsentResponse>($"/api/contacts/{contactId}/consent?limit=2", CrmClient.JsonOptions);
        var second = await client.GetFromJsonAsync<ConsentResponse>($"/api/contacts/{contactId}/consent?limit=2&cursor={first!.Ledger.NextCursor}", CrmClient.JsonOptions);
        using var bad = await client.GetAsync(new Uri($"/api/contacts/{contactId}/consent?limit=0&cursor=nope", UriKind.Relative));

        Assert.Equal(["granted", "withdrawn"], first.Ledger.Items.Select(e => e.Status));
        Assert.NotNull(first.Ledger.NextCursor);
        Assert.Equal(["granted"], second!.Ledger.Items.Select(e => e.Status));
        Assert.Null(second.Ledger.NextCursor);
        Assert.Equal(3, first.Ledger.Items.Concat(second.Ledger.Items).Select(e => e.Id).Distinct().Count());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["cursor", "limit"], (await bad.Content.ReadFromJsonAsync<HttpValidationProblemDetails>())!.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_rep_reads_the_consent_of_their_contacts_only_and_may_not_change_it()
    {
        var contactId = await NewContactAsync();
        await _api.AssignAsync(contactId, "rep-a", "north");
        using var admin = factory.CreateClient();
        await PostAsync(admin, contactId, new ChangeConsentRequest { Channels = [Email("granted")] });
        using var owner = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-a", "north"));
        using var other = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-b", "north"));
        using var manager = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Manager, subject: "manager-1"));

        using var ownRead = await owner.GetAsync(new Uri($"/api/contacts/{contactId}/consent", UriKind.Relative));
        using var otherRead = await other.GetAsync(new Uri($"/api/contacts/{contactId}/consent", UriKind.Relative));
        var ownChange = await PostAsync(owner, contactId, new ChangeConsentRequest { Channels = [Email("withdrawn")] });
        var managerChange = await PostAsync(manager, contactId, new ChangeConsentRequest { Channels = [Email("withdrawn")] });

        Assert.Equal(HttpStatusCode.OK, ownRead.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherRead.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, ownChange.Status);
        Assert.Equal(HttpStatusCode.OK, managerChange.Status);
        var by = Assert.Single(managerChange.Body!.Channels).By;
        Assert.Equal((Actor.PersonKind, "manager-1", "manager"), (by.Kind, by.Id, by.Role));
    }

    public void Dispose() => _api.Dispose();
}
