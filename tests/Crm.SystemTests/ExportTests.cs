using System.Net;
using System.Text.Json;
using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

/// <summary>
/// GDPR export through the gateway on real processes: a captured, assigned and welcomed person is exported — Contacts
/// gathers Leads', Assignment's, Messaging's and Analytics' parts over their gRPC ports — then erased and exported again.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ExportTests(Platform platform) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => platform.EnsureRepTakingLeadsAsync("Eddie Export");

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected) => platform.SendAsync(method, path, body, expected);

    [Fact]
    public async Task An_export_holds_what_all_five_services_keep_about_the_person_and_after_the_erasure_is_a_410()
    {
        var email = $"xena.{Guid.NewGuid():N}@example.com";
        var lead = await SendAsync(HttpMethod.Post, "/api/leads", new { name = "Xena Export", email, source = "export-landing", channel = "web" }, HttpStatusCode.Created);
        var leadId = lead.GetProperty("id").GetString()!;
        var contactId = lead.GetProperty("contactId").GetString()!;
        var other = await SendAsync(HttpMethod.Post, "/api/leads", new { name = "Olaf Other", email = $"olaf.{Guid.NewGuid():N}@example.com", source = "export-landing", channel = "web" }, HttpStatusCode.Created);
        await Poll.UntilAsync(
            async () => (await SendAsync(HttpMethod.Get, $"/api/messaging/messages?contactId={contactId}", null, HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
                .Any(m => m.GetProperty("to").GetString() == email),
            "the welcome e-mail to be sent",
            Deadline);

        // Analytics' read models follow the events: export again until its lead facts have the lead.
        var document = await Poll.ForAsync(
            async () =>
            {
                var exported = await platform.Api.ExportContactAsync(contactId);
                Assert.True(exported.StatusCode == HttpStatusCode.OK, $"{(int)exported.StatusCode} {exported.Error?.Message}");
                return exported.Content!.Services.TryGetValue("analytics", out var analytics)
                       && analytics.Records.TryGetValue("lead-facts", out var facts)
                       && facts.EnumerateArray().Any(f => f.GetProperty("id").GetString() == leadId)
                    ? exported.Content
                    : null;
            },
            "the export with Analytics' facts of the lead",
            Deadline);
        Assert.Equal(contactId, document.ContactId);
        Assert.Equal(["analytics", "assignment", "contacts", "leads", "messaging"], document.Services.Keys.Order(StringComparer.Ordinal));
        var contacts = document.Services["contacts"].Records;
        Assert.Equal("Xena Export", contacts["contact"][0].GetProperty("name").GetString());
        Assert.Contains(contacts["timeline"].EnumerateArray(), e => e.GetRawText().Contains(leadId, StringComparison.Ordinal));
        var leads = document.Services["leads"].Records["leads"];
        Assert.Equal((leadId, email), (leads[0].GetProperty("id").GetString(), leads[0].GetProperty("email").GetString()));
        Assert.Equal(1, leads.GetArrayLength());
        var assignment = document.Services["assignment"].Records["assignments"];
        Assert.Equal(leadId, Assert.Single(assignment.EnumerateArray()).GetProperty("id").GetString());
        Assert.True(assignment[0].TryGetProperty("repId", out _), "the assignment names its owner");
        var message = Assert.Single(document.Services["messaging"].Records["messages"].EnumerateArray());
        Assert.Equal((leadId, email), (message.GetProperty("leadId").GetString(), message.GetProperty("to").GetString()));
        // Analytics keeps ids and facts of the sales process per person (its customer document and the lead's facts).
        var analyticsRecords = document.Services["analytics"].Records;
        Assert.Equal(["customer", "lead-facts"], analyticsRecords.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(contactId, Assert.Single(analyticsRecords["customer"].EnumerateArray()).GetProperty("id").GetString());
        var fact = Assert.Single(analyticsRecords["lead-facts"].EnumerateArray());
        Assert.Equal((leadId, contactId), (fact.GetProperty("id").GetString(), fact.GetProperty("contactId").GetString()));
        Assert.False(string.IsNullOrEmpty(document.Services["analytics"].Note));
        var whole = JsonSerializer.Serialize(document);
        Assert.DoesNotContain(other.GetProperty("contactId").GetString()!, whole, StringComparison.Ordinal);
        Assert.DoesNotContain("Olaf", whole, StringComparison.Ordinal);

        // The gateway routes /api only: the PersonalData gRPC method is not reachable from outside.
        using (var http = new HttpClient { BaseAddress = platform.Gateway })
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Platform.ApiKey);
            using var grpc = new HttpRequestMessage(HttpMethod.Post, "/crm.personaldata.v1.PersonalData/Export") { Content = new ByteArrayContent([0, 0, 0, 0, 0]) };
            grpc.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            using var response = await http.SendAsync(grpc);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var requested = await SendAsync(HttpMethod.Post, $"/api/contacts/{contactId}/erasure", null, HttpStatusCode.Accepted);
        var requestId = requested.GetProperty("requestId").GetString()!;
        var gone = await SendAsync(HttpMethod.Get, $"/api/contacts/{contactId}/export", null, HttpStatusCode.Gone);
        Assert.Equal(requestId, gone.GetProperty("requestId").GetString());
    }
}
