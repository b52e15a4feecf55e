using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
using Crm.Messaging.Contacts;
using Crm.Messaging.Conversations;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Crm.Messaging.Tests.Channels;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Xunit;

namespace Crm.Messaging.Tests.Conversations;

/// <summary>Messaging with WireMock.Net on loopback as its SMS and WhatsApp providers (every send answered), and the inbound webhooks' settings.</summary>
public sealed class ConversationFixture : IDisposable
{
    public const string SmsInboundUrl = "https://crm.example.com/api/messaging/providers/sms/inbound";
    public const string EmailInboundSecret = "email-inbound-secret";

    public ConversationFixture()
    {
        Providers = new ProviderFixture();
        Factory.Settings["Conversations:SmsInboundUrl"] = SmsInboundUrl;
        Factory.Settings["Conversations:EmailInboundSecret"] = EmailInboundSecret;
        Providers.Provider
            .Given(Request.Create().WithPath($"/2010-04-01/Accounts/{ProviderFixture.AccountSid}/Messages.json").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(new { sid = "SM-out", status = "queued" }));
        Providers.Provider
            .Given(Request.Create().WithPath($"/v19.0/{ProviderFixture.PhoneNumberId}/messages").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { messages = new[] { new { id = "wamid.out" } } }));
    }

    public ProviderFixture Providers { get; }

    public MessagingApiFactory Factory => Providers.Factory;

    public void Dispose() => Providers.Dispose();
}

/// <summary>
/// Conversations end to end: signed inbound webhooks (SMS, WhatsApp, e-mail) → contact resolved → thread per contact and
/// channel → InboundMessageReceived; replies through the send path, first-response time, resolve with the CSAT survey,
/// the survey answered by SMS, reopen, first-contact resolution in ConversationResolved, ownership, duplicates, erasure.
/// </summary>
public sealed class ConversationTests(ConversationFixture fixture) : IClassFixture<ConversationFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private MessagingApiFactory Factory => fixture.Factory;

    [Fact]
    public async Task An_inbound_sms_opens_a_conversation_for_the_resolved_contact_and_publishes_InboundMessageReceived()
    {
        var contact = NewContact();
        using var client = Factory.CreateClient();

        using var answer = await InboundSmsAsync(client, contact.Phones[0], "Hi, is the offer still valid?");

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        var conversation = await ConversationOfAsync(client, contact.Id);
        Assert.Equal(("open", Channel.Sms, 0, (double?)null), (conversation.Status, conversation.Channel, conversation.Replies, conversation.FirstResponseSeconds));
        var full = await GetAsync(client, conversation.Id);
        var message = Assert.Single(full.Messages);
        Assert.Equal(("in", "Hi, is the offer still valid?"), (message.Direction, message.Text));
        var published = await PublishedAsync<InboundMessageReceived>(e => e.ConversationId == conversation.Id);
        Assert.Equal((contact.Id, "sms", false, message.Id), (published.ContactId, published.Channel, published.IsReply, published.MessageId));
        var channels = await Factory.Store.GetAsync(ContactChannelCollections.ContactChannels, contact.Id);
        Assert.True(channels?.LastInboundAt.ContainsKey("sms"), "the contact's last inbound SMS is recorded");
    }

    [Fact]
    public async Task An_unknown_sender_is_created_through_Contacts_and_a_forged_signature_is_401_and_changes_nothing()
    {
        var unknown = NewPhone();
        using var client = Factory.CreateClient();

        using var forged = await InboundSmsAsync(client, unknown, "forged", signWith: "wrong-token");
        using var signed = await InboundSmsAsync(client, unknown, "hello");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.NoContent), (forged.StatusCode, signed.StatusCode));
        var contactId = (await Factory.Contacts.ResolveAsync(null, null, unknown)).ContactId!;
        Assert.Equal([unknown], (await Factory.Contacts.GetContactAsync(contactId))!.Phones);
        var conversation = await GetAsync(client, (await ConversationOfAsync(client, contactId)).Id);
        Assert.Equal(["hello"], conversation.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task The_same_provider_message_id_twice_is_one_message_and_one_event()
    {
        var contact = NewContact();
        var sid = "SM" + Ids.New();
        using var client = Factory.CreateClient();

        using var first = await InboundSmsAsync(client, contact.Phones[0], "once", sid);
        using var again = await InboundSmsAsync(client, contact.Phones[0], "once", sid);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (first.StatusCode, again.StatusCode));
        var conversation = await GetAsync(client, (await ConversationOfAsync(client, contact.Id)).Id);
        Assert.Single(conversation.Messages);
        await PublishedAsync<InboundMessageReceived>(e => e.ContactId == contact.Id);
        Assert.Equal(1, await CountAsync<InboundMessageReceived>(e => e.ContactId == contact.Id));
    }

    [Fact]
    public async Task An_inbound_sms_while_Contacts_is_down_is_a_503_with_Retry_After_and_the_providers_retry_is_taken_once()
    {
        var contact = NewContact();
        var sid = "SM" + Ids.New();
        using var client = Factory.CreateClient();

        Factory.Contacts.FailNext(1);
        using var down = await InboundSmsAsync(client, contact.Phones[0], "are you there?", sid);
        using var retried = await InboundSmsAsync(client, contact.Phones[0], "are you there?", sid);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.NoContent), (down.StatusCode, retried.StatusCode));
        Assert.Equal(TimeSpan.FromSeconds(30), down.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        var conversation = await GetAsync(client, (await ConversationOfAsync(client, contact.Id)).Id);
        Assert.Equal(["are you there?"], conversation.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task A_reply_goes_out_by_sms_sets_the_first_response_time_and_resolving_sends_the_survey_whose_answer_is_recorded()
    {
        var contact = NewContact();
        using var client = Factory.CreateClient();
        using (await InboundSmsAsync(client, contact.Phones[0], "Can you call me?"))
        {
        }

        var opened = await ConversationOfAsync(client, contact.Id);
        using var reply = await client.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{opened.Id}/replies", UriKind.Relative), new { text = "Sure, tomorrow at 10." });
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        var queued = (await reply.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        var sent = await FinishedAsync(queued.Id);
        Assert.Equal(("sent", contact.Phones[0], DefaultTemplate.Reply), (sent.Status, sent.To, sent.Template));
        Assert.Contains(fixture.Providers.Provider.LogEntries, e => e.RequestMessage.Body?.Contains(Uri.EscapeDataString("Sure, tomorrow at 10."), StringComparison.Ordinal) == true
                                                                     || e.RequestMessage.Body?.Contains("Sure%2C+tomorrow+at+10.", StringComparison.Ordinal) == true);
        var pending = await GetAsync(client, opened.Id);
        Assert.Equal(("pending", 1), (pending.Status, pending.Replies));
        Assert.True(pending.FirstResponseSeconds >= 0, "first-response time set by the reply");

        using var resolve = await client.PostAsync(new Uri($"/api/messaging/conversations/{opened.Id}/resolve", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        var resolved = await PublishedAsync<ConversationResolved>(e => e.ConversationId == opened.Id);
        Assert.True(resolved.FirstContactResolution);
        Assert.Equal(("sms", contact.Id), (resolved.Channel, resolved.ContactId));
        Assert.NotNull(resolved.FirstResponseSeconds);
        var survey = await Poll.ForAsync(
            async () => (await Factory.Store.FindAsync(MessageQueries.NewestOfContact(contact.Id))).FirstOrDefault(m => m.Template == "csat-survey" && m.Status == "sent"),
            "the CSAT survey to be sent",
            Timeout);
        Assert.Equal("sms", survey.Channel);

        using var score = await InboundSmsAsync(client, contact.Phones[0], " 4 ");
        Assert.Equal(HttpStatusCode.NoContent, score.StatusCode);
        var answered = await GetAsync(client, opened.Id);
        Assert.Equal(("resolved", 4, 0), (answered.Status, answered.CsatScore, answered.Reopened));
        Assert.Equal("csat-answer", answered.Messages[^1].Kind);
        Assert.Single(await ListAsync(client, $"contactId={contact.Id}"));
    }

    [Fact]
    public async Task A_reply_retried_with_its_Idempotency_Key_is_queued_once_and_the_key_with_another_text_is_409()
    {
        var contact = NewContact();
        using var client = Factory.CreateClient();
        using (await InboundSmsAsync(client, contact.Phones[0], "Hello?"))
        {
        }

        var id = (await ConversationOfAsync(client, contact.Id)).Id;
        var key = "reply-" + Ids.New();
        using var first = await ReplyAsync(client, id, "Hi there", key);
        using var again = await ReplyAsync(client, id, "Hi there", key);
        using var other = await ReplyAsync(client, id, "Something else", key);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Conflict), (first.StatusCode, again.StatusCode, other.StatusCode));
        var queued = (await first.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(queued.Id, (await again.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!.Id);
        Assert.Equal(1, (await GetAsync(client, id)).Replies);
    }

    private static async Task<HttpResponseMessage> ReplyAsync(HttpClient client, string id, string text, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/messaging/conversations/{id}/replies", UriKind.Relative)) { Content = JsonContent.Create(new { text }) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_new_message_after_resolution_reopens_and_the_next_resolution_is_not_first_contact()
    {
        var contact = NewContact();
        using var client = Factory.CreateClient();
        using (await InboundSmsAsync(client, contact.Phones[0], "Question"))
        {
        }

        var id = (await ConversationOfAsync(client, contact.Id)).Id;
        using (await client.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{id}/replies", UriKind.Relative), new { text = "Answer" }))
        {
        }

        using (await client.PostAsync(new Uri($"/api/messaging/conversations/{id}/resolve", UriKind.Relative), null))
        {
        }

        using var again = await InboundSmsAsync(client, contact.Phones[0], "Actually, one more thing");
        var reopened = await GetAsync(client, id);
        Assert.Equal(("open", 1), (reopened.Status, reopened.Reopened));
        Assert.True((await PublishedAsync<InboundMessageReceived>(e => e.ConversationId == id && e.IsReply)).IsReply);

        using var twice = await client.PostAsync(new Uri($"/api/messaging/conversations/{id}/reopen", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        using var resolve = await client.PostAsync(new Uri($"/api/messaging/conversations/{id}/resolve", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        await Poll.UntilAsync(async () => await CountAsync<ConversationResolved>(e => e.ConversationId == id) == 2, "two resolutions", Timeout);
        var events = new List<ConversationResolved>();
        await foreach (var e in Factory.Harness.Published.SelectAsync<ConversationResolved>(x => x.Context.Message.ConversationId == id))
        {
            events.Add(e.Context.Message);
        }

        Assert.Equal([true, false], events.OrderBy(e => e.OccurredAt).Select(e => e.FirstContactResolution));
        using var resolvedTwice = await client.PostAsync(new Uri($"/api/messaging/conversations/{id}/resolve", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, resolvedTwice.StatusCode);

        using var web = await client.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{id}/csat", UriKind.Relative), new { score = 5 });
        Assert.Equal(HttpStatusCode.OK, web.StatusCode);
        Assert.Equal(5, (await GetAsync(client, id)).CsatScore);
        using var bad = await client.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{id}/csat", UriKind.Relative), new { score = 6 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_answer_to_the_survey_publishes_one_ConversationCsatRecorded_and_a_redelivered_or_second_answer_none()
    {
        var (contact, leadId) = await OwnedContactAsync("csat-rep-a", "csat-north");
        using var client = Factory.CreateClient();
        using (await InboundSmsAsync(client, contact.Phones[0], "My order is late"))
        {
        }

        var id = (await ConversationOfAsync(client, contact.Id)).Id;
        using (var resolve = await client.PostAsync(new Uri($"/api/messaging/conversations/{id}/resolve", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        }

        var resolved = await PublishedAsync<ConversationResolved>(e => e.ConversationId == id);
        var sid = "SM" + Ids.New();
        using var answer = await InboundSmsAsync(client, contact.Phones[0], "4", sid);
        using var redelivered = await InboundSmsAsync(client, contact.Phones[0], "4", sid);
        using var second = await InboundSmsAsync(client, contact.Phones[0], "5");

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.NoContent), (answer.StatusCode, redelivered.StatusCode, second.StatusCode));
        var after = await GetAsync(client, id);
        Assert.Equal(("open", 4, 1), (after.Status, after.CsatScore, after.Reopened));
        var csat = Assert.Single(await CsatEventsAsync(id));
        Assert.Equal(
            (contact.Id, leadId, "sms", "csat-rep-a", "csat-north", 4, "survey-reply", resolved.OccurredAt),
            (csat.ContactId, csat.LeadId, csat.Channel, csat.OwnerRepId, csat.OwnerTeamId, csat.Score, csat.Source, csat.ResolvedAt));
        Assert.True(csat.OccurredAt >= resolved.OccurredAt, "recorded after the resolution");
    }

    [Fact]
    public async Task A_web_score_publishes_one_ConversationCsatRecorded_and_a_repeated_request_none()
    {
        var (contact, leadId) = await OwnedContactAsync("csat-rep-b", "csat-south");
        using var client = Factory.CreateClient();
        using (await InboundSmsAsync(client, contact.Phones[0], "Question about my bill"))
        {
        }

        var id = (await ConversationOfAsync(client, contact.Id)).Id;
        using (var early = await client.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{id}/csat", UriKind.Relative), new { score = 2 }))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        }

        using (await client.PostAsync(new Uri($"/api/messaging/conversations/{id}/resolve", UriKind.Relative), null))
        {
        }

        var resolved = await PublishedAsync<ConversationResolved>(e => e.ConversationId == id);
        using var web = await client.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{id}/csat", UriKind.Relative), new { score = 3 });
        using var again = await client.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{id}/csat", UriKind.Relative), new { score = 3 });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Conflict), (web.StatusCode, again.StatusCode));
        var csat = Assert.Single(await CsatEventsAsync(id));
        Assert.Equal(
            (contact.Id, leadId, "sms", "csat-rep-b", "csat-south", 3, "web", resolved.OccurredAt),
            (csat.ContactId, csat.LeadId, csat.Channel, csat.OwnerRepId, csat.OwnerTeamId, csat.Score, csat.Source, csat.ResolvedAt));
    }

    /// <summary>A contact whose latest assignment (to <paramref name="repId"/>) Messaging has taken: its threads are that rep's.</summary>
    private async Task<(ContactCard Contact, string LeadId)> OwnedContactAsync(string repId, string teamId)
    {
        var contact = NewContact();
        var leadId = $"l-{Ids.New()}";
        await Factory.Harness.Bus.Publish(new LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            LeadId = leadId,
            ContactId = contact.Id,
            RepId = repId,
            RepName = repId,
            TeamId = teamId,
        });
        await Poll.UntilAsync(async () => await Factory.Store.GetAsync(ConversationCollections.ContactOwners, contact.Id) is not null, "the contact's owner", Timeout);
        return (contact, leadId);
    }

    /// <summary>The CSAT events of a conversation once the outbox holds none waiting (every one committed so far is published).</summary>
    private async Task<List<ConversationCsatRecorded>> CsatEventsAsync(string conversationId)
    {
        await Poll.UntilAsync(
            async () => !(await Factory.Store.FindAsync(PlatformQueries.PendingOutbox())).Any(r => r.Type == typeof(ConversationCsatRecorded).FullName),
            "the outbox to publish the CSAT events",
            Timeout);
        var events = new List<ConversationCsatRecorded>();
        await foreach (var e in Factory.Harness.Published.SelectAsync<ConversationCsatRecorded>(x => x.Context.Message.ConversationId == conversationId))
        {
            events.Add(e.Context.Message);
        }

        return events;
    }

    [Fact]
    public async Task The_owner_is_the_contacts_latest_assignment_and_another_rep_gets_404()
    {
        var contact = NewContact();
        await Factory.Harness.Bus.Publish(new LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            LeadId = $"l-{Ids.New()}",
            ContactId = contact.Id,
            RepId = "conv-rep-a",
            RepName = "Rep A",
            TeamId = "conv-north",
        });
        await Poll.UntilAsync(async () => await Factory.Store.GetAsync(ConversationCollections.ContactOwners, contact.Id) is not null, "the contact's owner", Timeout);
        using var admin = Factory.CreateClient();
        using (await InboundSmsAsync(admin, contact.Phones[0], "Hello rep"))
        {
        }

        var conversation = await ConversationOfAsync(admin, contact.Id);
        Assert.Equal(("conv-rep-a", "conv-north"), (conversation.OwnerRepId, conversation.OwnerTeamId));
        Assert.Equal(conversation.OwnerRepId, (await PublishedAsync<InboundMessageReceived>(e => e.ConversationId == conversation.Id)).OwnerRepId);

        using var repA = Factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "conv-rep-a", "conv-north"));
        using var repB = Factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "conv-rep-b", "conv-north"));
        using var lead = Factory.CreateClient().As(TestIdentity.Person(PersonRoles.TeamLead, "conv-lead", "conv-north"));
        using var otherLead = Factory.CreateClient().As(TestIdentity.Person(PersonRoles.TeamLead, "conv-lead-s", "conv-south"));
        using var mine = await repA.GetAsync(new Uri($"/api/messaging/conversations/{conversation.Id}", UriKind.Relative));
        using var theirs = await repB.GetAsync(new Uri($"/api/messaging/conversations/{conversation.Id}", UriKind.Relative));
        using var team = await lead.GetAsync(new Uri($"/api/messaging/conversations/{conversation.Id}", UriKind.Relative));
        using var otherTeam = await otherLead.GetAsync(new Uri($"/api/messaging/conversations/{conversation.Id}", UriKind.Relative));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.OK, HttpStatusCode.NotFound), (mine.StatusCode, theirs.StatusCode, team.StatusCode, otherTeam.StatusCode));
        Assert.Single(await ListAsync(repA, $"contactId={contact.Id}"));
        Assert.Empty(await ListAsync(repB, $"contactId={contact.Id}"));
        Assert.Empty(await ListAsync(repB, "owner=conv-rep-a"));
        Assert.Single(await ListAsync(lead, $"contactId={contact.Id}"));
        Assert.Empty(await ListAsync(otherLead, $"contactId={contact.Id}"));

        using var move = await admin.PutAsJsonAsync(new Uri($"/api/messaging/conversations/{conversation.Id}/owner", UriKind.Relative), new { repId = "conv-rep-b", teamId = "conv-north" });
        Assert.Equal(HttpStatusCode.OK, move.StatusCode);
        using var nowTheirs = await repB.GetAsync(new Uri($"/api/messaging/conversations/{conversation.Id}", UriKind.Relative));
        using var notMine = await repA.GetAsync(new Uri($"/api/messaging/conversations/{conversation.Id}", UriKind.Relative));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotFound), (nowTheirs.StatusCode, notMine.StatusCode));
    }

    [Fact]
    public async Task A_thread_without_a_lead_owner_asks_Assignment_and_takes_the_routed_rep_once()
    {
        var contact = NewContact();
        using var admin = Factory.CreateClient();
        using (await InboundSmsAsync(admin, contact.Phones[0], "Anybody there?"))
        {
        }

        var opened = await ConversationOfAsync(admin, contact.Id);
        Assert.Null(opened.OwnerRepId);
        var asked = await PublishedAsync<ConversationOwnerNeeded>(e => e.ConversationId == opened.Id);
        Assert.Equal((contact.Id, "sms"), (asked.ContactId, asked.Channel));

        await Factory.Harness.Bus.Publish(new ConversationRouted
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ConversationId = opened.Id, ContactId = contact.Id, RepId = "routed-rep", TeamId = "routed-team",
        });
        await Poll.UntilAsync(async () => (await GetAsync(admin, opened.Id)).OwnerRepId is not null, "the routed owner", Timeout);
        var late = new ConversationRouted
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ConversationId = opened.Id, ContactId = contact.Id, RepId = "another-rep",
        };
        await Factory.Harness.Bus.Publish(late);
        await Poll.UntilAsync(() => Task.FromResult(Factory.Harness.Consumed.Select<ConversationRouted>(x => x.Context.Message.EventId == late.EventId).Any()), "the ConversationRouted consumed");

        var owned = await GetAsync(admin, opened.Id);
        Assert.Equal(("routed-rep", "routed-team"), (owned.OwnerRepId, owned.OwnerTeamId));
        using var rep = Factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "routed-rep", "routed-team"));
        Assert.Single(await ListAsync(rep, $"contactId={contact.Id}"));

        // Owned now: the next message asks nothing.
        using (await InboundSmsAsync(admin, contact.Phones[0], "Thanks"))
        {
        }

        var second = await PublishedAsync<InboundMessageReceived>(e => e.ConversationId == opened.Id && e.OwnerRepId == "routed-rep");
        Assert.Single(Factory.Harness.Published.Select<ConversationOwnerNeeded>(x => x.Context.Message.ConversationId == opened.Id));
        Assert.Equal(contact.Id, second.ContactId);
    }

    [Fact]
    public async Task A_reply_on_the_thread_of_a_lead_names_the_lead_so_Assignment_sees_the_owner_answer()
    {
        var contact = NewContact();
        var leadId = $"l-{Ids.New()}";
        await Factory.Harness.Bus.Publish(new LeadAssigned
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = leadId, ContactId = contact.Id, RepId = "reply-rep", RepName = "Reply Rep",
        });
        await Poll.UntilAsync(async () => await Factory.Store.GetAsync(ConversationCollections.ContactOwners, contact.Id) is not null, "the contact's owner", Timeout);
        using var client = Factory.CreateClient();
        using (await InboundSmsAsync(client, contact.Phones[0], "Call me"))
        {
        }

        var opened = await ConversationOfAsync(client, contact.Id);
        using var reply = await client.PostAsJsonAsync(new Uri($"/api/messaging/conversations/{opened.Id}/replies", UriKind.Relative), new { text = "Calling you now." });
        var queued = (await reply.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;

        var sent = await FinishedAsync(queued.Id);
        Assert.Equal(("sent", leadId), (sent.Status, sent.LeadId));
        var published = await PublishedAsync<MessageSent>(e => e.MessageId == queued.Id);
        Assert.Equal((leadId, DefaultTemplate.Reply, "sms"), (published.LeadId, published.Template, published.Channel));
        Assert.Empty(Factory.Harness.Published.Select<ConversationOwnerNeeded>(x => x.Context.Message.ConversationId == opened.Id));
    }

    [Fact]
    public async Task An_inbound_whatsapp_message_opens_the_whatsapp_thread_and_the_24_hour_window()
    {
        var contact = NewContact();
        var body = JsonSerializer.Serialize(new
        {
            @object = "whatsapp_business_account",
            entry = new[]
            {
                new
                {
                    id = "WABA",
                    changes = new[]
                    {
                        new
                        {
                            field = "messages",
                            value = new
                            {
                                contacts = new[] { new { wa_id = contact.Phones[0][1..], profile = new { name = "Ada" } } },
                                messages = new[] { new { from = contact.Phones[0][1..], id = "wamid.in." + Ids.New(), type = "text", text = new { body = "Olá!" } } },
                            },
                        },
                    },
                },
            },
        });
        using var client = Factory.CreateClient();

        using var answer = await PostSignedAsync(client, "/api/messaging/providers/whatsapp/webhook", body, ProviderCallbacks.HubSignatureHeader, ProviderSignatures.Sha256(ProviderFixture.AppSecret, Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var conversation = await ConversationOfAsync(client, contact.Id);
        Assert.Equal((Channel.Whatsapp, "Olá!"), (conversation.Channel, (await GetAsync(client, conversation.Id)).Messages[0].Text));
        var window = await Factory.Store.GetAsync(ContactChannelCollections.ContactChannels, contact.Id);
        Assert.True(WhatsAppWindow.IsOpen(window!.LastInboundAt["whatsapp"], DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task An_inbound_email_joins_the_email_thread_and_bad_fields_are_named()
    {
        var contact = NewContact();
        var body = JsonSerializer.Serialize(new { from = $"Ada <{contact.Emails[0]}>", to = "support@crm.example.com", subject = "Question", text = "Do you ship to Lisbon?", messageId = $"<{Ids.New()}@mail.example.com>" });
        var bad = JsonSerializer.Serialize(new { from = "not an address", text = "x" });
        using var client = Factory.CreateClient();

        using var unsigned = await PostSignedAsync(client, "/api/messaging/providers/email/inbound", body, ProviderCallbacks.BounceSignatureHeader, ProviderSignatures.Sha256("wrong", Encoding.UTF8.GetBytes(body)));
        using var invalid = await PostSignedAsync(client, "/api/messaging/providers/email/inbound", bad, ProviderCallbacks.BounceSignatureHeader, ProviderSignatures.Sha256(ConversationFixture.EmailInboundSecret, Encoding.UTF8.GetBytes(bad)));
        using var signed = await PostSignedAsync(client, "/api/messaging/providers/email/inbound", body, ProviderCallbacks.BounceSignatureHeader, ProviderSignatures.Sha256(ConversationFixture.EmailInboundSecret, Encoding.UTF8.GetBytes(body)));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.BadRequest, HttpStatusCode.NoContent), (unsigned.StatusCode, invalid.StatusCode, signed.StatusCode));
        var errors = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("from", out _) && errors.TryGetProperty("messageId", out _), errors.ToString());
        var conversation = await GetAsync(client, (await ConversationOfAsync(client, contact.Id)).Id);
        Assert.Equal((Channel.Email, "Question", "Do you ship to Lisbon?"), (conversation.Channel, conversation.Messages[0].Subject, conversation.Messages[0].Text));
    }

    [Fact]
    public async Task The_export_holds_the_contacts_conversations_and_erasure_empties_their_texts_and_counts_them()
    {
        var contact = NewContact();
        var other = NewContact();
        using var client = Factory.CreateClient();
        using (await InboundSmsAsync(client, contact.Phones[0], "My address is Rua Augusta 1"))
        {
        }

        using (await InboundSmsAsync(client, other.Phones[0], "Keep me"))
        {
        }

        var id = (await ConversationOfAsync(client, contact.Id)).Id;
        var exported = Assert.Single((await Factory.ExportPersonalDataAsync(contact.Id)).Records("conversations"));
        Assert.Equal(id, exported.Text("id"));
        Assert.Contains("Rua Augusta 1", exported.GetRawText(), StringComparison.Ordinal);
        var request = "erase-" + Ids.New();
        await Factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contact.Id, RequestId = request });

        var confirmed = await PublishedAsync<ContactDataErased>(e => e.RequestId == request);
        Assert.Equal(1, confirmed.Records);
        var erased = (await Factory.Store.GetAsync(ConversationCollections.Conversations, id))!;
        Assert.NotNull(erased.ErasedAt);
        Assert.All(erased.Entries, e => Assert.Equal(("", null), (e.Text, e.From)));
        Assert.Equal("Keep me", (await GetAsync(client, (await ConversationOfAsync(client, other.Id)).Id)).Messages[0].Text);

        using (await InboundSmsAsync(client, contact.Phones[0], "I am back"))
        {
        }

        Assert.Equal(1, await CountAsync<InboundMessageReceived>(e => e.ContactId == contact.Id));
    }

    [Fact]
    public async Task The_list_filters_and_names_every_bad_parameter()
    {
        using var client = Factory.CreateClient();
        using var bad = await client.GetAsync(new Uri("/api/messaging/conversations?status=closed&channel=fax&limit=0&cursor=nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(["channel", "cursor", "limit", "status"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var contact = NewContact();
        using (await InboundSmsAsync(client, contact.Phones[0], "filter me"))
        {
        }

        Assert.Single(await ListAsync(client, $"contactId={contact.Id}&status=open&channel=sms"));
        Assert.Empty(await ListAsync(client, $"contactId={contact.Id}&status=resolved"));
        Assert.Empty(await ListAsync(client, $"contactId={contact.Id}&channel=email"));
        using var missing = await client.GetAsync(new Uri("/api/messaging/conversations/nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var empty = await client.PostAsJsonAsync(new Uri("/api/messaging/conversations/nope/replies", UriKind.Relative), new { text = "" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    private static class DefaultTemplate
    {
        public const string Reply = "conversation-reply";
    }

    private ContactCard NewContact()
    {
        var suffix = Ids.New()[^10..];
        var contact = new ContactCard($"c-{Ids.New()}", $"Ada{suffix[..4]} Lovelace", [$"ada.{suffix}@example.com".ToLowerInvariant()]) { Phones = [NewPhone()] };
        Factory.Contacts.Add(contact);
        return contact;
    }

    private static string NewPhone() => "+1555" + Random.Shared.NextInt64(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<HttpResponseMessage> InboundSmsAsync(HttpClient client, string from, string text, string? sid = null, string signWith = ProviderFixture.AuthToken)
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = sid ?? "SM" + Ids.New(),
            ["AccountSid"] = ProviderFixture.AccountSid,
            ["From"] = from,
            ["To"] = ProviderFixture.SmsFrom,
            ["Body"] = text,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/messaging/providers/sms/inbound", UriKind.Relative)) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add(ProviderCallbacks.TwilioSignatureHeader, ProviderSignatures.Twilio(signWith, ConversationFixture.SmsInboundUrl, form));
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> PostSignedAsync(HttpClient client, string path, string body, string header, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(header, signature);
        return await client.SendAsync(request);
    }

    private static async Task<List<ConversationResponse>> ListAsync(HttpClient client, string query)
    {
        using var answer = await client.GetAsync(new Uri($"/api/messaging/conversations?{query}", UriKind.Relative));
        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        return [.. (await answer.Content.ReadFromJsonAsync<Page<ConversationResponse>>(CrmClient.JsonOptions))!.Items];
    }

    private static async Task<ConversationResponse> ConversationOfAsync(HttpClient client, string contactId) =>
        Assert.Single(await ListAsync(client, $"contactId={contactId}"));

    private static async Task<ConversationResponse> GetAsync(HttpClient client, string id)
    {
        using var answer = await client.GetAsync(new Uri($"/api/messaging/conversations/{id}", UriKind.Relative));
        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<ConversationResponse>(CrmClient.JsonOptions))!;
    }

    private Task<Message> FinishedAsync(string id) =>
        Poll.ForAsync(
            async () => await Factory.Store.GetAsync(MessageCollections.Messages, id) is { Status: not ("queued" or "sending") } m ? m : null,
            $"message {id} to be finished",
            Timeout);

    private Task<T> PublishedAsync<T>(Func<T, bool> match)
        where T : class =>
        Poll.ForAsync(
            async () =>
            {
                await foreach (var published in Factory.Harness.Published.SelectAsync<T>(x => match(x.Context.Message)))
                {
                    return published.Context.Message;
                }

                return null;
            },
            $"{typeof(T).Name} to be published",
            Timeout);

    private async Task<int> CountAsync<T>(Func<T, bool> match)
        where T : class
    {
        var count = 0;
        await foreach (var unused in Factory.Harness.Published.SelectAsync<T>(x => match(x.Context.Message)))
        {
            count++;
        }

        return count;
    }
}
