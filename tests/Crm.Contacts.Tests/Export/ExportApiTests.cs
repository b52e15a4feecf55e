using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contacts.Contacts;
using Crm.Contacts.Export;
using Crm.Contacts.Tests.Api;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.PersonalData.Grpc;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Export;

/// <summary>
/// The GDPR export through Contacts' HTTP API. Here the four other services' gRPC addresses lead nowhere (a closed port:
/// real connection failures, no stub), so every export that gets as far as asking them is a 503; the gathered document
/// is covered end to end by the system test (ExportTests), Contacts' own part directly below.
/// </summary>
public sealed class ExportApiTests(ExportApiTests.NoPeersFactory factory) : IClassFixture<ExportApiTests.NoPeersFactory>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    /// <summary>Contacts with every PersonalData address on a closed port.</summary>
    public sealed class NoPeersFactory : CrmServiceFactory<ContactsEntryPoint>
    {
        public NoPeersFactory()
        {
            foreach (var service in new[] { "Leads", "Assignment", "Messaging", "Analytics" })
            {
                Settings[$"Services:{service}:Grpc"] = "http://127.0.0.1:1";
            }
        }
    }

    [Fact]
    public async Task An_export_without_every_service_is_a_503_naming_them_never_a_partial_document()
    {
        var contact = await _api.NewContactAsync("Nora Nobody");

        var (status, body) = await _api.GetRawAsync($"/api/contacts/{contact}/export");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(["leads", "assignment", "messaging", "analytics"], body["services"]!.AsArray().Select(n => (string?)n));
        Assert.Contains("leads, assignment, messaging, analytics", (string?)body["detail"], StringComparison.Ordinal);
        Assert.Null(body["contactId"]);
    }

    [Fact]
    public async Task Contacts_own_part_holds_profile_identities_consent_orders_summary_timeline_and_owners_of_that_contact_only()
    {
        var email = ContactApi.NewEmail();
        var contact = await _api.NewContactAsync("Petra Portable", email);
        var other = await _api.NewContactAsync("Otto Other");
        using var admin = _api.Client();
        foreach (var id in new[] { contact, other })
        {
            await _api.AssignAsync(id, $"rep-{id}");
            using var order = await admin.PostAsJsonAsync($"/api/contacts/{id}/orders", new PlaceOrderRequest { Reference = $"P-{id}", Amount = new Money { Amount = "10.00", Currency = "EUR" } }, CrmClient.JsonOptions);
            Assert.Equal(HttpStatusCode.Created, order.StatusCode);
            using var consent = await admin.PostAsJsonAsync($"/api/contacts/{id}/consent", new ChangeConsentRequest
            {
                Channels = [new ChannelConsentChange { Channel = "email", Status = "granted", LegalBasis = "consent", Source = "web-form", Wording = $"Yes ({id}).", WordingVersion = "v1" }],
            }, CrmClient.JsonOptions);
            Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        }

        var stored = (await _api.Store.GetAsync(ContactCollections.Contacts, contact))!;
        var reply = await ContactsPersonalData.ReadAsync(_api.Store, stored, CancellationToken.None);

        Assert.Equal("contacts", reply.Service);
        Assert.Equal(["contact", "identities", "consent", "consentLedger", "orders", "summary", "timeline", "owners"], reply.Sections.Select(s => s.Kind));
        Assert.Equal(("Petra Portable", email), (Assert.Single(reply.Records("contact")).Text("name"), reply.Records("contact")[0].GetProperty("emails")[0].GetString()));
        Assert.Equal([contact], reply.Records("identities").Select(i => i.Text("contactId")).Distinct());
        Assert.Equal($"Yes ({contact}).", Assert.Single(reply.Records("consent")).GetProperty("channels")[0].Text("wording"));
        Assert.NotEmpty(reply.Records("consentLedger"));
        Assert.Equal($"P-{contact}", Assert.Single(reply.Records("orders")).Text("reference"));
        Assert.Single(reply.Records("summary"));
        Assert.NotEmpty(reply.Records("timeline"));
        Assert.Contains($"rep-{contact}", Assert.Single(reply.Records("owners")).ToString(), StringComparison.Ordinal);
        Assert.All(reply.Sections, s => Assert.False(s.Truncated));
        Assert.DoesNotContain(other, string.Concat(reply.Sections.Select(s => s.Json)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_erased_contact_is_a_410_naming_the_erasure_an_unknown_one_a_404_and_only_admins_export()
    {
        var contact = await _api.NewContactAsync("Gina Gone");
        using var asRep = _api.Client(TestIdentity.Person(PersonRoles.Rep, "rep-g"));
        Assert.Equal(HttpStatusCode.Forbidden, (await asRep.GetAsync($"/api/contacts/{contact}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetRawAsync("/api/contacts/no-such-contact/export")).Status);

        using var admin = _api.Client();
        using var requested = await admin.PostAsync($"/api/contacts/{contact}/erasure", null);
        var erasure = (await requested.Content.ReadFromJsonAsync<ErasureResponse>(CrmClient.JsonOptions))!;

        var (status, body) = await _api.GetRawAsync($"/api/contacts/{contact}/export");
        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Equal(erasure.RequestId, (string?)body["requestId"]);
        Assert.Contains(erasure.RequestId, (string?)body["detail"], StringComparison.Ordinal);
    }

    public void Dispose() => _api.Dispose();
}
