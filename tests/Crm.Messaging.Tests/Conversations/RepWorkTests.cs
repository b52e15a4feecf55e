using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api.Messaging;
using Crm.Messaging.Conversations;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Messaging.Tests.Conversations;

/// <summary>
/// Reps work their own conversations and contacts (they hold <c>messaging:write</c>): reply, resolve, reopen, CSAT, a
/// message to and a call with a contact they own; another rep's is 404, configuration and bulk writes 403. Team leads:
/// their team's. The table of every Messaging write endpoint and what a rep gets on it.
/// </summary>
public sealed class RepWorkTests(MessagingApiFactory factory) : IClassFixture<MessagingApiFactory>
{
    /// <summary>The caller sees the message (200) once it is no longer being sent (a message in flight is 404 to everyone).</summary>
    private static Task SeesMessageAsync(HttpClient caller, string id) =>
        Poll.UntilAsync(
            async () =>
            {
                using var response = await caller.GetAsync(new Uri($"/api/messaging/messages/{id}", UriKind.Relative));
                return response.StatusCode == HttpStatusCode.OK;
            },
            $"message {id} visible to the caller");

    private const string Team = "rw-north";
    private static readonly DateTimeOffset StartedAt = new(2026, 11, 30, 14, 5, 0, TimeSpan.Zero);

    /// <summary>Every endpoint needing <c>messaging:write</c>, and what a rep gets: 2xx for their own, 404 for another's, or 403.</summary>
    public static readonly IReadOnlyDictionary<string, string> RepOnWriteEndpoints = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["POST /api/messaging/messages"] = "202 own contact, 404 another's",
        ["POST /api/messaging/messages/batch"] = "403",
        ["POST /api/messaging/calls"] = "201 own contact, 404 another's",
        ["POST /api/messaging/conversations/{id}/replies"] = "202 own, 404 another's",
        ["POST /api/messaging/conversations/{id}/resolve"] = "200 own, 404 another's",
        ["POST /api/messaging/conversations/{id}/reopen"] = "200 own, 404 another's",
        ["POST /api/messaging/conversations/{id}/csat"] = "200 own, 404 another's",
        ["PUT /api/messaging/conversations/{id}/owner"] = "403",
        ["PUT /api/messaging/journeys/{id}"] = "403",
        ["POST /api/messaging/journey-enrollments/{id}/stop"] = "403",
    };

    [Fact]
    public void Every_messaging_write_endpoint_says_what_a_rep_gets_on_it()
    {
        using var client = factory.CreateClient();
        var writes = factory.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<RequiredScope>() is { Service: "messaging", Access: Access.Write })
            .Select(e => $"{e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods[0]} {e.RoutePattern.RawText}")
            .ToHashSet(StringComparer.Ordinal);

        // A new write endpoint must decide what reps get on it (and the security matrix then checks it).
        Assert.Equal(RepOnWriteEndpoints.Keys.Order(StringComparer.Ordinal), writes.Order(StringComparer.Ordinal));
        Assert.Contains("messaging:write", PersonRoles.ScopesOf(PersonRoles.Rep)!);
        Assert.DoesNotContain("messaging:admin", PersonRoles.ScopesOf(PersonRoles.Rep)!);
    }

    [Fact]
    public async Task A_rep_replies_to_resolves_scores_and_reopens_their_own_conversation_and_another_rep_gets_404()
    {
        var contact = await OwnedContactAsync("rw-conv-rep");
        var id = await ApiSecurityTests.ConversationOwnedByAsync(factory, contact, "rw-conv-rep", Team, channel: "email");
        using var rep = Person(PersonRoles.Rep, "rw-conv-rep");
        using var other = Person(PersonRoles.Rep, "rw-conv-other", "rw-south");
        using var lead = Person(PersonRoles.TeamLead, "rw-conv-lead");
        using var otherLead = Person(PersonRoles.TeamLead, "rw-conv-lead-s", "rw-south");

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, $"/api/messaging/conversations/{id}/replies", new { text = "Not yours" }));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(otherLead, $"/api/messaging/conversations/{id}/replies", new { text = "Not your team's" }));
        using (var reply = await rep.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{id}/replies", UriKind.Relative), new { text = "Happy to help." }))
        {
            Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
            var queued = (await reply.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
            await SeesMessageAsync(rep, queued.Id);
        }

        Assert.Equal(HttpStatusCode.Accepted, await StatusAsync(lead, $"/api/messaging/conversations/{id}/replies", new { text = "And me, their lead." }));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, $"/api/messaging/conversations/{id}/resolve", null));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rep, $"/api/messaging/conversations/{id}/resolve", null));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, $"/api/messaging/conversations/{id}/csat", new { score = 1 }));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rep, $"/api/messaging/conversations/{id}/csat", new { score = 5 }));
        var scored = (await factory.Store.GetAsync(ConversationCollections.Conversations, id))!;
        Assert.Equal(("resolved", 2, 5), (scored.Status, scored.Replies, scored.CsatScore));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, $"/api/messaging/conversations/{id}/reopen", null));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rep, $"/api/messaging/conversations/{id}/reopen", null));
        var reopened = (await factory.Store.GetAsync(ConversationCollections.Conversations, id))!;
        Assert.Equal(("open", 1), (reopened.Status, reopened.Reopened));

        // Moving conversations stays with team leads and above: the owner rep 403, their lead within the team 200.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(rep, $"/api/messaging/conversations/{id}/owner", new { repId = "rw-conv-other", teamId = Team }, HttpMethod.Put));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(other, $"/api/messaging/conversations/{id}/owner", new { repId = "rw-conv-other", teamId = "rw-south" }, HttpMethod.Put));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(lead, $"/api/messaging/conversations/{id}/owner", new { repId = "rw-conv-rep-2", teamId = Team }, HttpMethod.Put));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(rep, $"/api/messaging/conversations/{id}/resolve", null));
    }

    [Fact]
    public async Task A_rep_sends_to_their_own_contact_and_another_reps_contact_is_404()
    {
        var mine = await OwnedContactAsync("rw-send-rep");
        var theirs = await OwnedContactAsync("rw-send-other", "rw-south");
        using var rep = Person(PersonRoles.Rep, "rw-send-rep");
        using var lead = Person(PersonRoles.TeamLead, "rw-send-lead");
        var body = new { contactId = mine, channel = "email", template = "conversation-reply", variables = new { reply = new { text = "See you Monday." } } };

        using var sent = await rep.PostAsJsonAsync(new Uri("/api/messaging/messages", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var queued = (await sent.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        var stored = (await factory.Store.GetAsync(Crm.Messaging.Messages.MessageCollections.Messages, queued.Id))!;
        Assert.Equal(("rw-send-rep", Team), (stored.OwnerRepId, stored.OwnerTeamId));

        // The team lead's message to their rep's contact is the contact owner's (the rep sees it).
        using var byLead = await lead.PostAsJsonAsync(new Uri("/api/messaging/messages", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.Accepted, byLead.StatusCode);
        var leadsMessage = (await byLead.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        await SeesMessageAsync(rep, leadsMessage.Id);

        using var notMine = await rep.PostAsJsonAsync(new Uri("/api/messaging/messages", UriKind.Relative), body with { contactId = theirs });
        Assert.Equal(HttpStatusCode.NotFound, notMine.StatusCode);
        using var unowned = await rep.PostAsJsonAsync(new Uri("/api/messaging/messages", UriKind.Relative), body with { contactId = factory.NewContact().Id });
        Assert.Equal(HttpStatusCode.NotFound, unowned.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(lead, "/api/messaging/messages", body with { contactId = theirs }));
        Assert.DoesNotContain(await factory.Store.FindAsync(Crm.Messaging.Messages.MessageQueries.NewestOfContact(theirs)), m => m.Template == "conversation-reply");

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(rep, "/api/messaging/messages/batch", new { items = new[] { body } }));
    }

    [Fact]
    public async Task A_rep_logs_their_own_calls_with_their_own_contacts_and_nothing_about_another_reps_call_leaks()
    {
        var mine = await OwnedContactAsync("rw-call-rep");
        var theirs = await OwnedContactAsync("rw-call-other", "rw-south");
        using var rep = Person(PersonRoles.Rep, "rw-call-rep");
        using var other = Person(PersonRoles.Rep, "rw-call-other", "rw-south");
        var providerCallId = "CA" + Crm.ServiceDefaults.Storage.Ids.New();
        var call = new CallBody(mine, null, "outbound", StartedAt, 60, "answered", providerCallId);

        using var logged = await rep.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), call);
        Assert.Equal(HttpStatusCode.Created, logged.StatusCode);
        var message = (await logged.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        Assert.Equal("rw-call-rep", message.Call!.RepId);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rep, "/api/messaging/calls", call));

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, "/api/messaging/calls", call with { ProviderCallId = "CA" + Crm.ServiceDefaults.Storage.Ids.New() }));
        using var stolen = await other.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), call with { ContactId = theirs });
        Assert.Equal(HttpStatusCode.Conflict, stolen.StatusCode);
        Assert.DoesNotContain(message.Id, await stolen.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var byNumber = await rep.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), call with { ContactId = null, Phone = "+15550001111", ProviderCallId = "CA" + Crm.ServiceDefaults.Storage.Ids.New() });
        using var forAnother = await rep.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), call with { RepId = "rw-call-other", ProviderCallId = "CA" + Crm.ServiceDefaults.Storage.Ids.New() });
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (byNumber.StatusCode, forAnother.StatusCode));
        Assert.Equal(["contactId"], await FieldsAsync(byNumber));
        Assert.Equal(["repId"], await FieldsAsync(forAnother));
    }

    private sealed record CallBody(string? ContactId, string? Phone, string Direction, DateTimeOffset StartedAt, int DurationSeconds, string Outcome, string ProviderCallId, string? RepId = null);

    /// <summary>A new contact whose lead is assigned to <paramref name="rep"/> (its welcome sent and its owner kept).</summary>
    private async Task<string> OwnedContactAsync(string rep, string team = Team)
    {
        var assigned = await factory.WelcomedAsync(rep, team);
        await Poll.UntilAsync(async () => await factory.Store.GetAsync(ConversationCollections.ContactOwners, assigned.ContactId) is { } owner && owner.RepId == rep, $"{assigned.ContactId}'s owner");
        return assigned.ContactId;
    }

    private HttpClient Person(string role, string rep, string team = Team) => factory.CreateClient().As(TestIdentity.Person(role, rep, team));

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path, object? body, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<string[]> FieldsAsync(HttpResponseMessage response) =>
        [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name)];
}
