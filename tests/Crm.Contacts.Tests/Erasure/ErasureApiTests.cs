using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contacts.Consent;
using Crm.Contacts.Erasure;
using Crm.Contacts.Grpc;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contacts.Tests.Api;
using Crm.Contacts.Timeline;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Contacts.Tests.Erasure;

/// <summary>GDPR erasure through the service's HTTP API: what Contacts erases at once, the confirmations, and late events.</summary>
public sealed class ErasureApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    [Fact]
    public async Task An_erasure_removes_the_person_keeps_consent_evidence_without_texts_and_completes_when_every_service_confirmed()
    {
        var email = ContactApi.NewEmail();
        var contact = await _api.NewContactAsync("Erin Erased", email);
        using var admin = _api.Client();
        await _api.AssignAsync(contact, "rep-e");
        using (var order = await admin.PostAsJsonAsync($"/api/contacts/{contact}/orders", new PlaceOrderRequest { Reference = "E-1", Amount = new Money { Amount = "10.00", Currency = "EUR" } }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Created, order.StatusCode);
        }

        using (var consent = await admin.PostAsJsonAsync($"/api/contacts/{contact}/consent", new ChangeConsentRequest
        {
            Channels = [new ChannelConsentChange { Channel = "email", Status = "granted", LegalBasis = "consent", Source = "web-form", Wording = "Yes, Erin wants offers.", WordingVersion = "v1" }],
        }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        }

        using var asRep = _api.Client(TestIdentity.Person(PersonRoles.Rep, "rep-e"));
        Assert.Equal(HttpStatusCode.Forbidden, (await asRep.PostAsync($"/api/contacts/{contact}/erasure", null)).StatusCode);

        using var requested = await admin.PostAsync($"/api/contacts/{contact}/erasure", null);
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var erasure = (await requested.Content.ReadFromJsonAsync<ErasureResponse>(CrmClient.JsonOptions))!;
        Assert.Equal($"/api/contacts/erasures/{erasure.RequestId}", requested.Headers.Location!.OriginalString);
        Assert.Equal(("pending", "contacts"), (erasure.Status, Assert.Single(erasure.Confirmations).Service));
        Assert.Equal(["leads", "assignment", "messaging", "analytics"], erasure.Missing);

        // Contacts forgot the person at once: no contact, identities free (the same e-mail is a new person), no timeline,
        // owners or summary; the consent evidence stays without its wording.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/contacts/{contact}")).StatusCode);
        Assert.Empty(await _api.Store.FindAsync(TimelineQueries.NewestFirst(contact, 10)));
        Assert.Null(await _api.Store.GetAsync(OwnershipCollections.Owners, contact));
        Assert.Null(await _api.Store.GetAsync(OrderCollections.Summaries, contact));
        var consentState = await _api.Store.GetAsync(ConsentCollections.Consents, contact);
        Assert.Equal(("granted", null, "v1"), (consentState!.Channels[0].Status, consentState.Channels[0].Wording, consentState.Channels[0].WordingVersion));
        Assert.All(await _api.Store.FindAsync(ConsentQueries.LedgerNewestFirst(contact)), e => Assert.Null(e.Wording));
        Assert.NotEqual(contact, await _api.NewContactAsync("Erin", email));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/contacts/{contact}/erasure", null)).StatusCode);

        // The other services confirm (one twice): completed.
        foreach (var service in new[] { "leads", "assignment", "messaging", "analytics", "leads" })
        {
            await factory.Harness.Bus.Publish(new ContactDataErased { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contact, RequestId = erasure.RequestId, Service = service, Records = 1 });
        }

        var done = await Poll.ForAsync(
            async () => (await admin.GetFromJsonAsync<ErasureResponse>($"/api/contacts/erasures/{erasure.RequestId}", CrmClient.JsonOptions)) is { Status: "completed" } r ? r : null,
            "every service's confirmation");
        Assert.Equal(["contacts", "leads", "assignment", "messaging", "analytics"], done.Confirmations.Select(c => c.Service));
        Assert.Empty(done.Missing);

        // An event about the person that arrives late writes nothing about them again.
        var late = new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow.TruncateToMs(), LeadId = "late-lead", ContactId = contact, RepId = "rep-l", RepName = "Late" };
        await factory.Harness.Bus.Publish(late);
        await Poll.UntilAsync(() => factory.Harness.Consumed.Any<LeadAssigned>(x => x.Context.Message.EventId == late.EventId), "the late LeadAssigned consumed");
        Assert.Empty(await _api.Store.FindAsync(TimelineQueries.NewestFirst(contact, 10)));
        Assert.Null(await _api.Store.GetAsync(OwnershipCollections.Owners, contact));

        await Poll.UntilAsync(() => factory.Harness.Published.Any<ContactErasureRequested>(x => x.Context.Message.RequestId == erasure.RequestId), "ContactErasureRequested published");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/contacts/erasures/unknown-{Guid.NewGuid():N}")).StatusCode);
    }

    [Fact]
    public void A_request_is_pending_until_every_service_confirmed_and_overdue_after_its_deadline()
    {
        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var request = new ErasureRequest
        {
            Id = "r1",
            ContactId = "c1",
            RequestedAt = at,
            RequestedBy = Actor.System,
            Deadline = at.AddDays(30),
            Services = ["contacts", "leads"],
            Confirmations = [new ErasureConfirmation("contacts", at, 3)],
        };

        Assert.Equal("pending", request.StatusAt(at.AddDays(30)));
        Assert.Equal("overdue", request.StatusAt(at.AddDays(30).AddTicks(1)));
        Assert.Null(request.Confirmed("contacts", at.AddDays(1), 9));
        var complete = request.Confirmed("leads", at.AddDays(40), 2)!;
        Assert.Equal(("completed", 2L), (complete.StatusAt(at.AddDays(40)), complete.Version));
    }

    [Fact]
    public void Confirmations_are_shown_in_the_order_of_the_services_asked_whatever_order_they_arrived_in()
    {
        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var request = new ErasureRequest
        {
            Id = "r1",
            ContactId = "c1",
            RequestedAt = at,
            RequestedBy = Actor.System,
            Deadline = at.AddDays(30),
            Services = ["contacts", "leads", "assignment", "messaging"],
            Confirmations = [new ErasureConfirmation("contacts", at, 3)],
        };

        var arrived = request.Confirmed("messaging", at.AddSeconds(1), 1)!.Confirmed("unknown", at.AddSeconds(2), 1)!
            .Confirmed("leads", at.AddSeconds(3), 1)!.Confirmed("assignment", at.AddSeconds(4), 1)!;

        Assert.Equal(["contacts", "leads", "assignment", "messaging", "unknown"], arrived.ToResponse(at).Confirmations.Select(c => c.Service));
    }

    [Fact]
    public async Task The_sweep_removes_what_a_consumer_wrote_after_checking_the_tombstone_just_before_the_erasure()
    {
        var contact = await _api.NewContactAsync("Rita Raced", ContactApi.NewEmail());
        using var admin = _api.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/contacts/{contact}/erasure", null)).StatusCode);

        // A MessageSent consumer that read "not erased" just before the erasure committed, and committed after it.
        using var scope = factory.Services.CreateScope();
        var raced = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        var sent = new Crm.Contracts.Messaging.MessageSent
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MessageId = "m-raced", ContactId = contact, LeadId = "lead-raced",
            Channel = "email", To = "rita@example.com", Template = "welcome",
        };
        raced.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(sent, raced.Now));
        await raced.CommitAsync();
        Assert.Single(await _api.Store.FindAsync(TimelineQueries.NewestFirst(contact, 10)));

        // The erasure scheduled its sweep (Contacts:ErasureSweepDelay); fired, it removes the entry.
        var sweep = Assert.Single(await _api.Store.FindAsync(PlatformQueries.DueTimers(DateTimeOffset.UtcNow.AddYears(1))), t => t.Kind == ContactEraser.SweepKind && t.Key == contact);
        Assert.InRange(sweep.DueAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
        using var fireScope = factory.Services.CreateScope();
        var fire = fireScope.ServiceProvider.GetRequiredService<UnitOfWork>();
        await new ErasureSweepTimer().HandleAsync(new DueTimer(sweep.Kind, sweep.Key, sweep.DueAt, sweep.Payload, 1), fire, CancellationToken.None);
        await fire.CommitAsync();
        Assert.Empty(await _api.Store.FindAsync(TimelineQueries.NewestFirst(contact, 10)));
    }

    public void Dispose() => _api.Dispose();
}
