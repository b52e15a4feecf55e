using Crm.Contracts.Api;
using Crm.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using MassTransit.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Api;

internal static class ApiHelpers
{
    /// <summary>Polls the backlog until <paramref name="leadId"/> waits in it.</summary>
    public static Task WaitsInBacklogAsync(this HttpClient client, string leadId, string what) =>
        Poll.UntilAsync(async () => (await client.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog")).Items.Any(l => l.LeadId == leadId), what);

    /// <summary>A scored lead of a new contact, from the web form.</summary>
    public static LeadScored Scored(string grade, int score, string? language = null) => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = Guid.CreateVersion7().ToString("N"), ContactId = Guid.CreateVersion7().ToString("N"),
        Score = score, Grade = grade, Language = language, Source = "web-form", Channel = "web",
    };

    /// <summary>Polls the harness until <paramref name="leadId"/> is assigned; the event.</summary>
    public static async Task<LeadAssigned> AssignedAsync(CrmServiceFactory<AssignmentEntryPoint> factory, string leadId) =>
        await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<LeadAssigned>(x => x.Context.Message.LeadId == leadId).FirstOrDefault()?.Context.Message),
            $"lead {leadId} assigned");

    public static async Task<RepResponse> CreateRepAsync(this HttpClient client, string name, int capacity)
    {
        using var response = await client.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = name, Capacity = capacity }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
    }

    public static async Task<T> ReadAsync<T>(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<T>(CrmClient.JsonOptions))!;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The <c>errors</c> object of a validation ProblemDetails.</summary>
    public static async Task<JsonElement> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("errors").Clone();
    }
}
