using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Contacts.Grpc;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>The public HTTP API of the profile as the tests drive it: contacts made by resolution (gRPC), patched and read over REST.</summary>
public sealed class ContactApi(CrmServiceFactory<ContactsEntryPoint> factory) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });

    public ContactDirectory.ContactDirectoryClient Directory => new(_channel);

    public IDocumentStore Store => factory.Services.GetRequiredService<IDocumentStore>();

    public static string NewEmail() => $"{Guid.NewGuid():N}@example.com";

    /// <summary>A Berlin number (national digits after 030).</summary>
    public static string NewSubscriber() => Random.Shared.Next(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);

    public async Task<string> NewContactAsync(string? name = "Anna", string? email = null, string? phone = null)
    {
        var reply = await Directory.ResolveContactAsync(new ResolveContactRequest { Name = name ?? string.Empty, Email = email ?? (phone is null ? NewEmail() : string.Empty), Phone = phone ?? string.Empty });
        return reply.Contact.ContactId;
    }

    public HttpClient Client(CallerIdentity? caller = null) => factory.CreateClient().As(caller ?? TestIdentity.Admin);

    public async Task<(HttpStatusCode Status, JsonObject Body, string? ETag)> PatchAsync(string id, object body, string? ifMatch = null, CallerIdentity? caller = null)
    {
        using var client = Client(caller);
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/contacts/{id}")
        {
            Content = new StringContent(body as string ?? JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/merge-patch+json"),
        };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await BodyAsync(response), response.Headers.ETag?.Tag);
    }

    public async Task<ContactResponse> GetAsync(string id, CallerIdentity? caller = null)
    {
        using var client = Client(caller);
        using var response = await client.GetAsync($"/api/contacts/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ContactResponse>(Json))!;
    }

    public async Task<(HttpStatusCode Status, JsonObject Body)> GetRawAsync(string path, CallerIdentity? caller = null)
    {
        using var client = Client(caller);
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await BodyAsync(response));
    }

    /// <summary>Every page of <c>GET /api/contacts?{query}</c> (asserting each is a 200), and how many pages it took.</summary>
    public async Task<(List<ContactResponse> Items, int Pages)> ListAllAsync(string query, CallerIdentity? caller = null)
    {
        var items = new List<ContactResponse>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (status, body) = await GetRawAsync($"/api/contacts?{query}" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}"), caller);
            Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
            items.AddRange(body["items"]!.Deserialize<List<ContactResponse>>(Json)!);
            cursor = body["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 100);

        return (items, pages);
    }

    /// <summary>The fields a 400 or 409 names.</summary>
    public static IReadOnlyList<string> ErrorFields(JsonObject problem) =>
        problem["errors"] is JsonObject errors ? [.. errors.Select(e => e.Key)] : [];

    /// <summary>A <c>LeadAssigned</c> of <paramref name="leadId"/> (a new lead by default) to the rep at <paramref name="at"/> (now), once it reached the contact's owners.</summary>
    public async Task AssignAsync(string contactId, string rep, string? team = null, string? leadId = null, DateTimeOffset? at = null)
    {
        leadId ??= $"lead-{Guid.NewGuid():N}";
        var occurredAt = (at ?? DateTimeOffset.UtcNow).TruncateToMs();
        await factory.Harness.Bus.Publish(new LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = occurredAt,
            LeadId = leadId,
            ContactId = contactId,
            RepId = rep,
            RepName = rep,
            TeamId = team,
        });
        await Poll.UntilAsync(
            async () => (await Store.GetAsync(OwnershipCollections.Owners, contactId))?.Leads.Any(l => l.LeadId == leadId && l.AssignedAt >= occurredAt) == true,
            "the assignment to reach the contact's owners");
    }

    private static async Task<JsonObject> BodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return string.IsNullOrWhiteSpace(text) ? [] : JsonNode.Parse(text) as JsonObject ?? [];
    }

    public void Dispose() => _channel.Dispose();
}
