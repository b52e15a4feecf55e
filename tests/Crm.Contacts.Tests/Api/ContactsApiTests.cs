using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contacts.Contacts;
using Crm.Contacts.Grpc;
using Crm.Contacts.Timeline;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>The service in-process: gRPC ContactDirectory, GET /api/contacts/{id} and the timeline consumers.</summary>
public sealed class ContactsApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });

    private ContactDirectory.ContactDirectoryClient Directory => new(_channel);

    private IDocumentStore Store => factory.Services.GetRequiredService<IDocumentStore>();

    /// <summary>A Berlin number nobody else in this test class uses, as (national digits after 030).</summary>
    private static string NewSubscriber() => Random.Shared.Next(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);

    private static string NewEmail() => $"{Guid.NewGuid():N}@example.com";

    [Fact]
    public async Task Resolving_twice_with_differently_formatted_phones_returns_the_same_contact()
    {
        var subscriber = NewSubscriber();

        var first = await Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Anna", Phone = $"+49 30 {subscriber}" });
        var second = await Directory.ResolveContactAsync(new ResolveContactRequest { Phone = $"030 {subscriber}" });

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Contact.ContactId, second.Contact.ContactId);
        Assert.Equal($"+4930{subscriber}", first.NormalizedPhone);
        Assert.Equal($"+4930{subscriber}", second.NormalizedPhone);
        Assert.Equal(string.Empty, second.NormalizedEmail);
        Assert.Equal("Anna", second.Contact.Name);
        Assert.Equal([$"+4930{subscriber}"], second.Contact.Phones);
        Assert.Equal(1, second.Contact.Version);
    }

    [Fact]
    public async Task A_new_contact_publishes_ContactCreated_through_the_outbox()
    {
        var email = NewEmail();

        var reply = await Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Bea", Email = email.ToUpperInvariant() });

        Assert.Equal(email, reply.NormalizedEmail);
        await PublishedAsync<ContactCreated>(m => m.ContactId == reply.Contact.ContactId && m.Emails.SequenceEqual(new[] { email }));
    }

    [Fact]
    public async Task Learning_a_new_identity_publishes_ContactUpdated()
    {
        var subscriber = NewSubscriber();
        var created = await Directory.ResolveContactAsync(new ResolveContactRequest { Phone = $"030 {subscriber}" });
        var email = NewEmail();

        var updated = await Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Cem", Email = email, Phone = $"+49 30 {subscriber}" });

        Assert.False(updated.Created);
        Assert.Equal(created.Contact.ContactId, updated.Contact.ContactId);
        Assert.Equal(2, updated.Contact.Version);
        Assert.Equal([email], updated.Contact.Emails);
        await PublishedAsync<ContactUpdated>(m => m.ContactId == created.Contact.ContactId && m.Version == 2 && m.Name == "Cem");
    }

    [Theory]
    [InlineData("not-an-email", "", "email", "email: must contain exactly one '@'")]
    [InlineData("", "hello", "phone", "phone: is not a phone number")]
    [InlineData("", "+49 1", "phone", "phone: is too short to be a phone number")]
    [InlineData("", "", "email", "email: an e-mail or a phone is required")]
    public async Task Bad_input_is_INVALID_ARGUMENT_naming_the_field(string email, string phone, string field, string detail)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Directory.ResolveContactAsync(new ResolveContactRequest { Email = email, Phone = phone }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(detail, ex.Status.Detail);
        Assert.Equal(field, ex.Trailers.GetValue("field"));
    }

    [Fact]
    public async Task The_requests_default_region_is_used_for_national_numbers()
    {
        var reply = await Directory.ResolveContactAsync(new ResolveContactRequest { Phone = "01 " + NewSubscriber(), DefaultRegion = "AT" });

        Assert.StartsWith("+431", reply.NormalizedPhone, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckIdentities_reports_both_bad_fields_with_the_reasons_ResolveContact_gives()
    {
        var reply = await Directory.CheckIdentitiesAsync(new CheckIdentitiesRequest { Email = "not-an-email", Phone = "hello" });
        var emailOnly = await Assert.ThrowsAsync<RpcException>(() => Directory.ResolveContactAsync(new ResolveContactRequest { Email = "not-an-email" }).ResponseAsync);
        var phoneOnly = await Assert.ThrowsAsync<RpcException>(() => Directory.ResolveContactAsync(new ResolveContactRequest { Phone = "hello" }).ResponseAsync);

        Assert.Equal(
            [("email", "must contain exactly one '@'"), ("phone", "is not a phone number")],
            reply.Errors.Select(e => (e.Field, e.Reason)));
        Assert.Equal([emailOnly.Status.Detail, phoneOnly.Status.Detail], reply.Errors.Select(e => $"{e.Field}: {e.Reason}"));
        Assert.Equal((string.Empty, string.Empty), (reply.NormalizedEmail, reply.NormalizedPhone));
    }

    [Fact]
    public async Task CheckIdentities_normalises_a_good_field_beside_a_bad_one()
    {
        var reply = await Directory.CheckIdentitiesAsync(new CheckIdentitiesRequest { Email = " Anna@Example.COM ", Phone = "+49 1" });

        Assert.Equal("anna@example.com", reply.NormalizedEmail);
        Assert.Equal(string.Empty, reply.NormalizedPhone);
        var error = Assert.Single(reply.Errors);
        Assert.Equal(("phone", "is too short to be a phone number"), (error.Field, error.Reason));
    }

    [Fact]
    public async Task CheckIdentities_reads_national_numbers_in_the_default_region_or_the_requests()
    {
        var subscriber = NewSubscriber();

        var german = await Directory.CheckIdentitiesAsync(new CheckIdentitiesRequest { Phone = $"030 {subscriber}" });
        var austrian = await Directory.CheckIdentitiesAsync(new CheckIdentitiesRequest { Phone = $"01 {subscriber}", DefaultRegion = "AT" });
        var unknownRegion = await Directory.CheckIdentitiesAsync(new CheckIdentitiesRequest { Phone = $"030 {subscriber}", DefaultRegion = "ZZ" });

        Assert.Equal($"+4930{subscriber}", german.NormalizedPhone);
        Assert.Empty(german.Errors);
        Assert.Equal($"+431{subscriber}", austrian.NormalizedPhone);
        Assert.Empty(austrian.Errors);
        var error = Assert.Single(unknownRegion.Errors);
        Assert.Equal(("phone", "cannot be read: 'ZZ' is not a known region code"), (error.Field, error.Reason));
    }

    [Fact]
    public async Task CheckIdentities_normalises_as_ResolveContact_does_and_stores_nothing()
    {
        var email = NewEmail();
        var subscriber = NewSubscriber();

        var contactsBefore = await Store.CountAsync(ContactCollections.Contacts, Filter<Contact>.All);

        var check = await Directory.CheckIdentitiesAsync(new CheckIdentitiesRequest { Email = $"  {email.ToUpperInvariant()} ", Phone = $"+49 (30) {subscriber}" });
        var contactsAfter = await Store.CountAsync(ContactCollections.Contacts, Filter<Contact>.All);
        var owners = await Store.GetManyAsync(ContactCollections.Identities, [$"email:{email}", $"phone:+4930{subscriber}"]);
        var resolved = await Directory.ResolveContactAsync(new ResolveContactRequest { Email = $"  {email.ToUpperInvariant()} ", Phone = $"+49 (30) {subscriber}" });

        Assert.Empty(check.Errors);
        Assert.Equal(contactsBefore, contactsAfter);
        Assert.Empty(owners);
        Assert.True(resolved.Created);
        Assert.Equal((resolved.NormalizedEmail, resolved.NormalizedPhone), (check.NormalizedEmail, check.NormalizedPhone));
        Assert.Equal((email, $"+4930{subscriber}"), (check.NormalizedEmail, check.NormalizedPhone));
    }

    [Fact]
    public async Task CheckIdentities_leaves_empty_fields_unchecked()
    {
        var reply = await Directory.CheckIdentitiesAsync(new CheckIdentitiesRequest { Email = "", Phone = "  ", DefaultRegion = "ZZ" });

        Assert.Empty(reply.Errors);
        Assert.Equal((string.Empty, string.Empty), (reply.NormalizedEmail, reply.NormalizedPhone));
    }

    [Fact]
    public async Task GetContact_returns_a_resolved_contact_and_NOT_FOUND_for_an_unknown_id()
    {
        var email = NewEmail();
        var resolved = await Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Dora", Email = email });

        var contact = await Directory.GetContactAsync(new GetContactRequest { ContactId = resolved.Contact.ContactId });
        var ex = await Assert.ThrowsAsync<RpcException>(() => Directory.GetContactAsync(new GetContactRequest { ContactId = "no-such-contact" }).ResponseAsync);

        Assert.Equal("Dora", contact.Name);
        Assert.Equal([email], contact.Emails);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task A_rescore_within_its_grade_is_not_a_timeline_entry_a_grade_change_is()
    {
        var resolved = await Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Rhea", Email = NewEmail() });
        var contactId = resolved.Contact.ContactId;
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        LeadScored Scored(int seconds, int score, string grade, int? previousScore, string? previousGrade) => new()
        {
            EventId = Guid.NewGuid(), OccurredAt = at.AddSeconds(seconds), LeadId = "lead-r", ContactId = contactId,
            Score = score, Grade = grade, PreviousScore = previousScore, PreviousGrade = previousGrade,
        };

        await factory.Harness.Bus.Publish(Scored(0, 12, "warm", null, null));
        await factory.Harness.Bus.Publish(Scored(1, 15, "warm", 12, "warm"));
        await factory.Harness.Bus.Publish(Scored(2, 24, "hot", 15, "warm"));

        using var client = factory.CreateClient();
        var contact = await Poll.ForAsync(
            async () =>
            {
                var body = await client.GetFromJsonAsync<ContactResponse>($"/api/contacts/{contactId}", CrmClient.JsonOptions);
                return body?.Timeline.Count == 2 ? body : null;
            },
            "the first score and the grade change on the timeline");
        await Poll.UntilAsync(() => factory.Harness.Consumed.Any<LeadScored>(x => x.Context.Message.ContactId == contactId && x.Context.Message.Score == 15), "the within-grade rescore to be consumed");
        Assert.Equal(["Scored 24 (hot), was 15 (warm)", "Scored 12 (warm)"], (await client.GetFromJsonAsync<ContactResponse>($"/api/contacts/{contactId}", CrmClient.JsonOptions))!.Timeline.Select(t => t.Summary));
    }

    [Fact]
    public async Task A_burst_of_rescores_in_one_event_adds_only_the_grade_changes_to_each_timeline()
    {
        var first = (await Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Ines", Email = NewEmail() })).Contact.ContactId;
        var second = (await Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Jon", Email = NewEmail() })).Contact.ContactId;
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        LeadScored Scored(string contactId, string leadId, int score, string grade, int previousScore, string previousGrade) => new()
        {
            EventId = Guid.NewGuid(), OccurredAt = at, LeadId = leadId, ContactId = contactId,
            Score = score, Grade = grade, PreviousScore = previousScore, PreviousGrade = previousGrade, Cause = "signals",
        };

        await factory.Harness.Bus.Publish(new LeadScoresChanged
        {
            EventId = Guid.NewGuid(),
            OccurredAt = at,
            Scores = [Scored(first, "lead-b1", 25, "hot", 18, "warm"), Scored(second, "lead-b2", 14, "warm", 12, "warm")],
        });

        using var client = factory.CreateClient();
        await Poll.UntilAsync(() => factory.Harness.Consumed.Any<LeadScoresChanged>(x => x.Context.Message.Scores.Any(s => s.ContactId == second)), "the burst to be consumed");
        var withChange = await Poll.ForAsync(
            async () =>
            {
                var body = await client.GetFromJsonAsync<ContactResponse>($"/api/contacts/{first}", CrmClient.JsonOptions);
                return body?.Timeline.Count == 1 ? body : null;
            },
            "the grade change on the first contact's timeline");
        Assert.Equal(["Scored 25 (hot), was 18 (warm)"], withChange.Timeline.Select(t => t.Summary));
        Assert.Empty((await client.GetFromJsonAsync<ContactResponse>($"/api/contacts/{second}", CrmClient.JsonOptions))!.Timeline);
    }

    [Fact]
    public async Task GET_contact_returns_identities_and_the_timeline_built_from_events_newest_first()
    {
        var email = NewEmail();
        var subscriber = NewSubscriber();
        var resolved = await Directory.ResolveContactAsync(new ResolveContactRequest { Name = "Eva", Email = email, Phone = $"030 {subscriber}" });
        var contactId = resolved.Contact.ContactId;
        var at = DateTimeOffset.UtcNow.AddMinutes(-10);
        var captured = new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = at, LeadId = "lead-1", ContactId = contactId, Source = "google-ads", Channel = "web" };
        var scored = new LeadScored { EventId = Guid.NewGuid(), OccurredAt = at.AddSeconds(1), LeadId = "lead-1", ContactId = contactId, Score = 28, Grade = "hot" };
        var assigned = new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = at.AddSeconds(2), LeadId = "lead-1", ContactId = contactId, RepId = "rep-1", RepName = "Anna" };
        var sent = new MessageSent { EventId = Guid.NewGuid(), OccurredAt = at.AddSeconds(3), MessageId = "m-1", ContactId = contactId, LeadId = "lead-1", Channel = "email", Template = "welcome", To = email };

        await factory.Harness.Bus.Publish(captured);
        await factory.Harness.Bus.Publish(scored);
        await factory.Harness.Bus.Publish(assigned);
        await factory.Harness.Bus.Publish(sent);

        using var client = factory.CreateClient();
        var contact = await Poll.ForAsync(
            async () =>
            {
                var body = await client.GetFromJsonAsync<ContactResponse>($"/api/contacts/{contactId}", CrmClient.JsonOptions);
                return body?.Timeline.Count == 4 ? body : null;
            },
            "the four events on the contact's timeline");

        Assert.Equal(contactId, contact.Id);
        Assert.Equal("Eva", contact.Name);
        Assert.Equal([email], contact.Emails);
        Assert.Equal([$"+4930{subscriber}"], contact.Phones);
        Assert.Equal(1, contact.Version);
        Assert.Equal(["message-sent", "lead-assigned", "lead-scored", "lead-captured"], contact.Timeline.Select(t => t.Type));
        Assert.Equal(
            [$"E-mail 'welcome' sent to {email}", "Assigned to Anna", "Scored 28 (hot)", "Lead captured from google-ads via web"],
            contact.Timeline.Select(t => t.Summary));
        var first = contact.Timeline[^1];
        Assert.Equal(captured.EventId.ToString("D"), first.EventId);
        Assert.Equal("lead-1", first.LeadId);
        Assert.Equal(captured.OccurredAt.ToUnixTimeMilliseconds(), first.OccurredAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_logged_call_appears_on_the_contact_timeline_once()
    {
        var resolved = await Directory.ResolveContactAsync(new ResolveContactRequest { Email = NewEmail() });
        var contactId = resolved.Contact.ContactId;
        var call = new CallLogged
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MessageId = "m-call", ContactId = contactId, LeadId = "lead-9",
            Direction = "outbound", Outcome = "answered", StartedAt = DateTimeOffset.UtcNow.AddMinutes(-4), DurationSeconds = 95, ProviderCallId = "pbx-9",
        };

        await factory.Harness.Bus.Publish(call);
        await factory.Harness.Bus.Publish(call); // the same event again under a new message id

        using var client = factory.CreateClient();
        await Poll.UntilAsync(
            async () => (await factory.Harness.Consumed.SelectAsync<CallLogged>(x => x.Context.Message.EventId == call.EventId).Take(2).ToListAsync()).Count == 2,
            "both copies consumed");
        var contact = await Poll.ForAsync(
            async () =>
            {
                var body = await client.GetFromJsonAsync<ContactResponse>($"/api/contacts/{contactId}", CrmClient.JsonOptions);
                return body?.Timeline.Count > 0 ? body : null;
            },
            "the call on the contact's timeline");

        var entry = Assert.Single(contact.Timeline);
        Assert.Equal(("call-logged", "Outbound call, answered, 1 min 35 s", "lead-9"), (entry.Type, entry.Summary, entry.LeadId));
        Assert.Equal(call.EventId.ToString("D"), entry.EventId);
    }

    [Fact]
    public async Task A_redelivered_message_is_applied_once()
    {
        var resolved = await Directory.ResolveContactAsync(new ResolveContactRequest { Email = NewEmail() });
        var contactId = resolved.Contact.ContactId;
        var messageId = Guid.NewGuid();
        var captured = new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = "lead-2", ContactId = contactId, Source = "partner", Channel = "phone" };
        using var recorder = new BusRecorder(factory.Harness.Bus);

        await factory.Harness.Bus.Publish(captured, c => c.MessageId = messageId);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Consumed(messageId) == 1), "the first delivery consumed");
        // The same message again (as after a lost ack), even with a changed body: the inbox drops it.
        await factory.Harness.Bus.Publish(captured with { EventId = Guid.NewGuid(), Source = "changed" }, c => c.MessageId = messageId);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Consumed(messageId) == 2), "the redelivery consumed");

        using var client = factory.CreateClient();
        var contact = await client.GetFromJsonAsync<ContactResponse>($"/api/contacts/{contactId}", CrmClient.JsonOptions);
        var entry = Assert.Single(contact!.Timeline);
        Assert.Equal(captured.EventId.ToString("D"), entry.EventId);
        Assert.Equal("Lead captured from partner via phone", entry.Summary);
        Assert.Equal(0, recorder.Faulted(messageId));
    }

    [Fact]
    public async Task The_same_event_under_another_message_id_keeps_its_first_entry()
    {
        var resolved = await Directory.ResolveContactAsync(new ResolveContactRequest { Email = NewEmail() });
        var contactId = resolved.Contact.ContactId;
        var scored = new LeadScored { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = "lead-4", ContactId = contactId, Score = 12, Grade = "warm" };
        var (firstId, secondId) = (Guid.NewGuid(), Guid.NewGuid());
        using var recorder = new BusRecorder(factory.Harness.Bus);

        await factory.Harness.Bus.Publish(scored, c => c.MessageId = firstId);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Consumed(firstId) == 1), "the first publication consumed");
        // The same event published again (as after a crash between publish and marking it sent) gets a new message id: the inbox lets it through.
        await factory.Harness.Bus.Publish(scored with { Score = 99, Grade = "hot" }, c => c.MessageId = secondId);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Consumed(secondId) == 1), "the second publication consumed");

        var entry = Assert.Single(await Store.FindAsync(TimelineQueries.NewestFirst(contactId, 10)));
        Assert.Equal((scored.EventId.ToString("D"), "Scored 12 (warm)"), (entry.Id, entry.Summary));
        Assert.Equal((0, 0), (recorder.Faulted(firstId), recorder.Faulted(secondId)));
    }

    [Fact]
    public async Task An_event_for_a_contact_not_yet_known_is_kept_for_it()
    {
        var contactId = $"not-yet-known-{Guid.NewGuid():N}";
        var captured = new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = "lead-3", ContactId = contactId, Source = "s", Channel = "web" };

        await factory.Harness.Bus.Publish(captured);

        var entry = await Poll.ForAsync(
            async () => (await Store.FindAsync(TimelineQueries.NewestFirst(contactId, 10))).SingleOrDefault(),
            "the entry on the timeline of a contact nobody resolved yet");
        Assert.Equal(captured.EventId.ToString("D"), entry.Id);
        Assert.Equal(("lead-captured", "Lead captured from s via web", "lead-3"), (entry.Type, entry.Summary, entry.LeadId));

        using var client = factory.CreateClient();
        using var unknown = await client.GetAsync(new Uri($"/api/contacts/{contactId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // Once the contact exists (its resolve committed after the event arrived), its view shows the early entry.
        await Store.CommitAsync(Write.Insert(ContactCollections.Contacts, new Contact
        {
            Id = contactId,
            Emails = [NewEmail()],
            CreatedAt = DateTimeOffset.UtcNow.TruncateToMs(),
            UpdatedAt = DateTimeOffset.UtcNow.TruncateToMs(),
            Version = 1,
        }));
        var contact = await client.GetFromJsonAsync<ContactResponse>($"/api/contacts/{contactId}", CrmClient.JsonOptions);
        Assert.Equal(entry.Id, Assert.Single(contact!.Timeline).EventId);
    }

    [Fact]
    public async Task GET_unknown_contact_is_a_404_problem()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri($"/api/contacts/{Guid.NewGuid():N}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>();
        Assert.Equal(404, problem?.Status);
        Assert.Equal("Contact not found.", problem?.Title);
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>Waits until the service published a matching event (through its outbox). Polls: the harness stops waiting once it saw no traffic for a while.</summary>
    private Task PublishedAsync<T>(Func<T, bool> match)
        where T : class =>
        Poll.UntilAsync(() => factory.Harness.Published.Any<T>(x => match(x.Context.Message)), $"{typeof(T).Name} published");
}
