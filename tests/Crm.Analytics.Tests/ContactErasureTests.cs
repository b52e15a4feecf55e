using System.Net;
using System.Net.Http.Json;
using Crm.Analytics.Contacts;
using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.Leads;
using Crm.Client;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// Analytics' answer to a GDPR erasure: it holds ids only about a person (their customer document and their leads'
/// facts); the erasure cuts the link (the customer document moves to an anonymous id, the lead facts forget the
/// contact), confirms with the number of records, and the counts and KPIs stay.
/// </summary>
public sealed class ContactErasureTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_export_of_a_counted_contact_has_its_customer_and_lead_facts_and_no_name()
    {
        var contactId = $"c-{Guid.NewGuid():N}";
        var leadId = $"l-{Guid.NewGuid():N}";
        await factory.Harness.Bus.Publish(new LeadCaptured
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            LeadId = leadId,
            ContactId = contactId,
            Name = "Xaver Export",
            Email = "xaver@example.com",
            Source = "export-fair",
            Channel = "web",
        });
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await Poll.UntilAsync(async () => await store.GetAsync(CustomerCollections.Customers, contactId) is not null && await store.GetAsync(LeadFactCollections.LeadFacts, leadId) is not null, "the capture applied to the read models", Timeout);

        var reply = await factory.ExportPersonalDataAsync(contactId);

        Assert.Equal("analytics", reply.Service);
        Assert.Equal([("customer", 1), ("lead-facts", 1)], reply.Sections.Select(s => (s.Kind, s.Count)));
        Assert.Contains(leadId, reply.Sections[1].Json, StringComparison.Ordinal);
        Assert.Equal(ContactRecords.Statement, reply.Note);
        Assert.DoesNotContain("xaver@", reply.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Xaver", reply.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_erasure_request_unlinks_the_contact_confirms_the_records_and_the_counts_stay()
    {
        var contactId = $"c-{Guid.NewGuid():N}";
        var leadId = $"l-{Guid.NewGuid():N}";
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var at = new DateTimeOffset(2009, 3, 3, 12, 0, 0, TimeSpan.Zero);
        await factory.Harness.Bus.Publish(new LeadCaptured
        {
            EventId = Guid.NewGuid(),
            OccurredAt = at,
            LeadId = leadId,
            ContactId = contactId,
            Name = "Erika Erased",
            Email = "erika@example.com",
            Source = "erasure-fair",
            Channel = "web",
        });
        await PollLeadsCapturedAsync(1);
        await Poll.UntilAsync(async () => await store.GetAsync(CustomerCollections.Customers, contactId) is not null && await store.GetAsync(LeadFactCollections.LeadFacts, leadId) is not null, "the capture applied to the read models", Timeout);

        // Nothing Analytics stores names the contact (the counters keep day, metric, key and count only).
        var counters = await store.FindAsync(CounterCollections.Counters.Find(Filter<Counter>.Eq(x => x.Day, "2009-03-03")));
        Assert.NotEmpty(counters);
        Assert.All(counters, c => Assert.DoesNotContain(contactId, $"{c.Id} {c.Metric} {c.Key}", StringComparison.Ordinal));
        Assert.All(counters, c => Assert.DoesNotContain("rika", $"{c.Id} {c.Metric} {c.Key}", StringComparison.OrdinalIgnoreCase));

        var request = Guid.NewGuid().ToString("N");
        var erasure = new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contactId, RequestId = request };
        await factory.Harness.Bus.Publish(erasure);

        var confirmed = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == request).FirstOrDefault()?.Context.Message),
            "the erasure confirmed by analytics",
            Timeout);
        // Two records: the customer document and the lead's facts.
        Assert.Equal((ConfirmErasureOnErasureRequested.ServiceName, contactId, 2), (confirmed.Service, confirmed.ContactId, confirmed.Records));
        Assert.Equal("analytics", confirmed.Service);
        Assert.Null(await store.GetAsync(CustomerCollections.Customers, contactId));
        var anonymous = await store.GetAsync(CustomerCollections.Customers, ContactRecords.AnonymousIdFor(request));
        Assert.Equal([leadId], anonymous!.Leads.Select(l => l.LeadId));
        var fact = await store.GetAsync(LeadFactCollections.LeadFacts, leadId);
        Assert.Null(fact!.ContactId);
        Assert.Equal("erasure-fair", fact.Source);
        Assert.DoesNotContain((await factory.ExportPersonalDataAsync(contactId)).Sections, s => s.Count > 0);

        // Delivered again under a new message id: confirmed again, nothing fails; the counts are unchanged.
        await factory.Harness.Bus.Publish(erasure, ctx => ctx.MessageId = NewId.NextGuid());
        await Poll.UntilAsync(
            () => Task.FromResult(factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == request).Count() == 2),
            "the second delivery confirmed too",
            Timeout);
        Assert.Equal([0, 2], factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == request).Select(x => x.Context.Message.Records).Order());
        Assert.Equal(1, (await SummaryAsync()).Totals.LeadsCaptured);
    }

    [Fact]
    public async Task An_erasure_keeps_the_contacts_segment_marks_under_the_anonymous_id()
    {
        var contactId = $"c-{Guid.NewGuid():N}";
        var segment = $"seg-{Guid.NewGuid():N}";
        var at = new DateTimeOffset(2006, 6, 6, 12, 0, 0, TimeSpan.Zero);
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await factory.Harness.Bus.Publish(new OrderPlaced { EventId = Guid.NewGuid(), OccurredAt = at, OrderId = $"o-{Guid.NewGuid():N}", ContactId = contactId, Reference = "R", Amount = "20.00", Currency = "EUR", PlacedAt = at });
        await factory.Harness.Bus.Publish(new SegmentMembershipChanged { EventId = Guid.NewGuid(), OccurredAt = at, SegmentId = segment, SegmentVersion = 1, ContactId = contactId, Joined = true });
        await Poll.UntilAsync(async () => await store.GetAsync(CustomerCollections.Customers, contactId) is { Segments.Count: 1, Orders.Count: 1 }, "the order and the mark applied", Timeout);

        var request = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contactId, RequestId = request });
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == request).Any()), "the erasure confirmed", Timeout);

        Assert.Null(await store.GetAsync(CustomerCollections.Customers, contactId));
        var anonymous = (await store.GetAsync(CustomerCollections.Customers, ContactRecords.AnonymousIdFor(request)))!;
        Assert.Equal([new CustomerSegmentMark(segment, true, at)], anonymous.Segments);
        // The purchase still counts in the segment, of nobody.
        using var client = factory.CreateClient();
        var aov = (await client.GetFromJsonAsync<KpiResponse>(new Uri("/api/analytics/kpis/aov?from=2006-06-06&to=2006-06-06&groupBy=segment", UriKind.Relative), CrmClient.JsonOptions))!;
        Assert.Equal([(segment, (decimal?)20m)], aov.Rows.Select(r => (r.Group, r.Values["revenue"])));
    }

    private async Task<SummaryResponse> SummaryAsync()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri("/api/analytics/summary?from=2009-03-03&to=2009-03-03", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SummaryResponse>(CrmClient.JsonOptions))!;
    }

    private Task<SummaryResponse> PollLeadsCapturedAsync(int count) =>
        Poll.ForAsync(async () => await SummaryAsync() is { } s && s.Totals.LeadsCaptured == count ? s : null, "the capture counted", Timeout);
}
