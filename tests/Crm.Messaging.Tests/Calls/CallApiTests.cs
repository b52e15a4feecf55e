using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Messaging.Tests.Calls;

/// <summary>POST /api/messaging/calls: calls from the telephony system, logged as messages on channel phone.</summary>
public sealed class CallApiTests(MessagingApiFactory factory) : IClassFixture<MessagingApiFactory>
{
    private static readonly DateTimeOffset StartedAt = new(2026, 11, 30, 14, 5, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_call_is_logged_as_a_phone_message_listed_for_the_contact_and_the_lead_with_CallLogged()
    {
        var contact = NewContact();
        var leadId = $"l-{Ids.New()}";
        var callId = "CA" + Ids.New();

        using var client = factory.CreateClient();
        using var answer = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), new
        {
            contactId = contact.Id,
            leadId,
            direction = "outbound",
            startedAt = StartedAt,
            durationSeconds = 312,
            outcome = "answered",
            repId = "rep-17",
            recordingUrl = "https://telephony.example.com/r/1.mp3",
            providerCallId = callId,
        });

        Assert.True(answer.StatusCode == HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        var call = (await answer.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        Assert.Equal($"/api/messaging/messages/{call.Id}", answer.Headers.Location?.OriginalString);
        Assert.Equal((Channel.Phone, "call", "logged", contact.Phones[0], StartedAt, leadId), (call.Channel, call.Template, call.Status, call.To, call.SentAt, call.LeadId));
        Assert.Equal(new CallDetails { Direction = "outbound", Outcome = "answered", DurationSeconds = 312, RepId = "rep-17", RecordingUrl = "https://telephony.example.com/r/1.mp3", ProviderCallId = callId }, call.Call);

        var byContact = await client.GetFromJsonAsync<Page<MessageResponse>>(new Uri($"/api/messaging/messages?contactId={contact.Id}", UriKind.Relative), CrmClient.JsonOptions);
        var byLead = await client.GetFromJsonAsync<Page<MessageResponse>>(new Uri($"/api/messaging/messages?leadId={leadId}", UriKind.Relative), CrmClient.JsonOptions);
        var one = await client.GetFromJsonAsync<MessageResponse>(new Uri($"/api/messaging/messages/{call.Id}", UriKind.Relative), CrmClient.JsonOptions);
        Assert.Equal([call.Id], byContact!.Items.Select(m => m.Id));
        Assert.Equal([call.Id], byLead!.Items.Select(m => m.Id));
        Assert.Equal(call, one);

        Assert.True(await factory.Harness.Published.Any<CallLogged>(x => x.Context.Message.MessageId == call.Id
            && x.Context.Message.LeadId == leadId && x.Context.Message.Outcome == "answered" && x.Context.Message.Direction == "outbound"
            && x.Context.Message.StartedAt == StartedAt && x.Context.Message.DurationSeconds == 312 && x.Context.Message.ProviderCallId == callId));
        Assert.False(await factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == call.Id));
    }

    [Fact]
    public async Task The_same_provider_call_id_logs_once_a_retry_gets_the_call_and_other_details_a_409()
    {
        var contact = NewContact();
        var body = Call(contact.Id, "CA" + Ids.New());

        using var client = factory.CreateClient();
        using var first = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), body);
        using var again = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), body);
        using var other = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), body with { Outcome = "busy" });

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict), (first.StatusCode, again.StatusCode, other.StatusCode));
        var a = (await first.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        var b = (await again.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(a.Id, b.Id);
        Assert.Single(await factory.Store.FindAsync(MessageQueries.OfContact(contact.Id)));
    }

    [Fact]
    public async Task Several_calls_and_messages_of_one_lead_are_all_kept()
    {
        var contact = NewContact();
        var leadId = $"l-{Ids.New()}";

        using var client = factory.CreateClient();
        foreach (var i in Enumerable.Range(0, 3))
        {
            using var answer = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), Call(contact.Id, "CA" + Ids.New()) with { LeadId = leadId, StartedAt = StartedAt.AddMinutes(i) });
            Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        }

        Assert.Equal(3, (await factory.Store.FindAsync(MessageQueries.OfLeadAndTemplate(leadId, "call"))).Count);
    }

    [Fact]
    public async Task A_phone_number_alone_finds_or_creates_the_contact_in_Contacts()
    {
        var contact = NewContact();

        using var client = factory.CreateClient();
        using var known = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), Call(null, "CA" + Ids.New()) with { Phone = contact.Phones[0] });
        using var unknown = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), Call(null, "CA" + Ids.New()) with { Phone = "+1 555 777 0101" });

        Assert.Equal(contact.Id, (await known.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!.ContactId);
        var created = (await unknown.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        Assert.Equal((HttpStatusCode.Created, "+15557770101"), (unknown.StatusCode, created.To));
        Assert.NotNull(await factory.Contacts.GetContactAsync(created.ContactId));
    }

    [Fact]
    public async Task An_unknown_contact_is_a_422_and_a_number_alone_while_Contacts_is_down_a_503_with_Retry_After()
    {
        using var client = factory.CreateClient();
        using var unknown = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), Call("c-nobody-" + Ids.New(), "CA" + Ids.New()));
        factory.Contacts.FailNext(1);
        using var down = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), Call(null, "CA" + Ids.New()) with { Phone = "+15557770102" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.True((await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("contactId", out _));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.NotNull(down.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_call_about_a_given_contact_is_logged_while_Contacts_is_down()
    {
        var contact = NewContact();
        factory.Contacts.FailNext(1);

        using var client = factory.CreateClient();
        using var answer = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), Call(contact.Id, "CA" + Ids.New()));

        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
    }

    [Fact]
    public async Task A_bad_request_names_every_bad_field()
    {
        using var client = factory.CreateClient();
        using var answer = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), new
        {
            direction = "sideways",
            startedAt = DateTimeOffset.UtcNow.AddHours(1),
            durationSeconds = -1,
            outcome = "great",
            recordingUrl = "http://user:pw@example.com/r.mp3",
        });

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var fields = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(new HashSet<string> { "contactId", "providerCallId", "direction", "startedAt", "durationSeconds", "outcome", "recordingUrl" }, fields);

        using var unknownField = await client.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), new { contactId = "c-1", status = "sent", direction = "inbound" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
    }

    [Fact]
    public async Task A_call_logged_for_a_rep_is_theirs_to_read_and_another_rep_gets_404()
    {
        var contact = NewContact();

        using var telephony = factory.CreateClient().As(TestIdentity.Key("telephony", "messaging:write"));
        using var answer = await telephony.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), Call(contact.Id, "CA" + Ids.New()) with { RepId = "rep-call-a" });
        Assert.True(answer.StatusCode == HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        var call = (await answer.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        using var rep = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-call-a", "team-call"));
        using var other = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-call-b", "team-call"));

        Assert.Equal("rep-call-a", call.Call!.RepId);
        Assert.Equal(HttpStatusCode.OK, (await rep.GetAsync(new Uri($"/api/messaging/messages/{call.Id}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(new Uri($"/api/messaging/messages/{call.Id}", UriKind.Relative))).StatusCode);
        // A rep logs calls only with contacts they own: this one is nobody's lead (a 404, as an unknown contact).
        Assert.Equal(HttpStatusCode.NotFound, (await rep.PostAsJsonAsync(new Uri("/api/messaging/calls", UriKind.Relative), Call(contact.Id, "CA" + Ids.New()))).StatusCode);
    }

    private static CallBody Call(string? contactId, string providerCallId) =>
        new(contactId, null, null, "inbound", StartedAt, 42, "answered", providerCallId);

    private ContactCard NewContact()
    {
        var phone = "+1555" + Random.Shared.NextInt64(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var contact = new ContactCard($"c-{Ids.New()}", "Ada Caller", []) { Phones = [phone] };
        factory.Contacts.Add(contact);
        return contact;
    }

    private sealed record CallBody(string? ContactId, string? Phone, string? LeadId, string Direction, DateTimeOffset StartedAt, int DurationSeconds, string Outcome, string ProviderCallId, string? RepId = null);
}
