using Crm.Analytics.Contacts;
using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.EventLog;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>The event log: one entry per event whatever the number of read models it moves, no personal fields, and an erasure leaves no link to the person.</summary>
public sealed class EventLogTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private IDocumentStore Store => factory.Services.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task An_event_moving_four_read_models_is_applied_and_logged_once_without_personal_fields()
    {
        var contactId = $"c-{Guid.NewGuid():N}";
        var leadId = $"l-{Guid.NewGuid():N}";
        var messageId = NewId.NextGuid();
        var at = new DateTimeOffset(2008, 4, 4, 10, 0, 0, TimeSpan.Zero);
        await factory.Harness.Bus.Publish(Capture(contactId, leadId, at), ctx => ctx.MessageId = messageId);

        // Applied by its one queue (one inbox record) to the four read models it moves (counters, live minute, lead facts, customers) ...
        await Poll.UntilAsync(
            async () => await Store.GetAsync(PlatformCollections.Inbox, $"analytics-lead-captured:{messageId:N}") is not null,
            "the capture applied by its queue",
            Timeout);
        Assert.NotNull(await Store.GetAsync(LeadFactCollections.LeadFacts, leadId));
        Assert.Contains((await Store.GetAsync(CustomerCollections.Customers, contactId))!.Leads, l => l.LeadId == leadId);
        Assert.Contains(await Store.FindAsync(CounterQueries.Period(DateOnly.FromDateTime(at.UtcDateTime), DateOnly.FromDateTime(at.UtcDateTime))), c => c.Count > 0);
        Assert.True((await Store.GetAsync(LiveCollections.LeadMinutes, LeadMinute.IdOf(at)))?.Count > 0);

        // ... and logged once, under its message id.
        var entries = await Store.FindAsync(EventLogQueries.OfContact(contactId));
        var entry = Assert.Single(entries);
        Assert.Equal((messageId.ToString("N"), typeof(LeadCaptured).FullName, at), (entry.Id, entry.Type, entry.OccurredAt));
        Assert.Contains(leadId, entry.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Lena", entry.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("lena@example.com", entry.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("+4915", entry.Body, StringComparison.Ordinal);
        var logged = Assert.IsType<LeadCaptured>(EventLogEntries.Read(entry));
        Assert.Equal((leadId, contactId, "fair", "web", "spring"), (logged.LeadId, logged.ContactId, logged.Source, logged.Channel, logged.Campaign));
    }

    [Fact]
    public async Task An_erasure_rewrites_the_contacts_entries_to_the_anonymous_id()
    {
        var contactId = $"c-{Guid.NewGuid():N}";
        var other = $"c-{Guid.NewGuid():N}";
        var leadId = $"l-{Guid.NewGuid():N}";
        var at = new DateTimeOffset(2008, 5, 5, 10, 0, 0, TimeSpan.Zero);
        await factory.Harness.Bus.Publish(Capture(contactId, leadId, at));
        await factory.Harness.Bus.Publish(new OrderPlaced { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(1), OrderId = $"o-{Guid.NewGuid():N}", ContactId = contactId, Reference = "R-1", Amount = "10.00", Currency = "EUR", PlacedAt = at.AddDays(1) });
        // A merge of another contact into this one names the contact as survivor; one into the other names it in a list.
        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(2), SurvivorId = other, MergedIds = [contactId], MergeId = Guid.NewGuid().ToString("N") });
        await Poll.UntilAsync(
            async () => (await Store.FindAsync(EventLogQueries.OfContact(contactId))).Count == 2 && (await Store.FindAsync(EventLogQueries.OfContact(other))).Count == 1,
            "the capture, the order and the merge logged",
            Timeout);

        var request = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(3), ContactId = contactId, RequestId = request });
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == request).Any()), "the erasure confirmed", Timeout);

        Assert.Empty(await Store.FindAsync(EventLogQueries.OfContact(contactId)));
        var anonymous = await Store.FindAsync(EventLogQueries.OfContact(ContactRecords.AnonymousIdFor(request)));
        Assert.Equal(
            [typeof(ContactErasureRequested).FullName, typeof(OrderPlaced).FullName, typeof(LeadCaptured).FullName],
            anonymous.Select(e => e.Type).Order(StringComparer.Ordinal));
        var merge = Assert.Single(await Store.FindAsync(EventLogQueries.OfContact(other)));
        var everything = string.Join('\n', anonymous.Select(e => e.Body).Append(merge.Body));
        Assert.DoesNotContain(contactId, everything, StringComparison.Ordinal);
        Assert.Contains(ContactRecords.AnonymousIdFor(request), merge.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Lena", everything, StringComparison.Ordinal);
    }

    private static LeadCaptured Capture(string contactId, string leadId, DateTimeOffset at) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = at,
        LeadId = leadId,
        ContactId = contactId,
        Name = "Lena Logged",
        Email = "lena@example.com",
        Phone = "+4915112345678",
        Source = "fair",
        Channel = "web",
        Campaign = "spring",
    };
}
