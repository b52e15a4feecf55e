using System.Net;
using System.Net.Http.Json;
using Crm.Analytics.Contacts;
using Crm.Analytics.Counters;
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

/// <summary>Analytics' answer to a GDPR erasure: it holds nothing about the person, confirms, and its counts stay.</summary>
public sealed class ContactErasureTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_export_of_a_counted_contact_has_no_section_and_says_why()
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
        await Poll.UntilAsync(() => factory.Harness.Consumed.Any<LeadCaptured>(x => x.Context.Message.LeadId == leadId), "the capture counted", Timeout);

        var reply = await factory.ExportPersonalDataAsync(contactId);

        Assert.Equal("analytics", reply.Service);
        Assert.Empty(reply.Sections);
        Assert.Equal(ContactRecords.Statement, reply.Note);
        Assert.DoesNotContain("Xaver", reply.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_erasure_request_is_confirmed_with_nothing_to_erase_and_the_counts_stay()
    {
        var contactId = $"c-{Guid.NewGuid():N}";
        var at = new DateTimeOffset(2009, 3, 3, 12, 0, 0, TimeSpan.Zero);
        await factory.Harness.Bus.Publish(new LeadCaptured
        {
            EventId = Guid.NewGuid(),
            OccurredAt = at,
            LeadId = $"l-{Guid.NewGuid():N}",
            ContactId = contactId,
            Name = "Erika Erased",
            Email = "erika@example.com",
            Source = "erasure-fair",
            Channel = "web",
        });
        await PollLeadsCapturedAsync(1);

        // Nothing Analytics stores names the contact (the counters keep day, metric, key and count only).
        var counters = await factory.Services.GetRequiredService<IDocumentStore>().FindAsync(CounterCollections.Counters.Find(Filter<Counter>.Eq(x => x.Day, "2009-03-03")));
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
        Assert.Equal((ConfirmErasureOnErasureRequested.ServiceName, contactId, 0), (confirmed.Service, confirmed.ContactId, confirmed.Records));
        Assert.Equal("analytics", confirmed.Service);

        // Delivered again under a new message id: confirmed again, nothing fails; the counts are unchanged.
        await factory.Harness.Bus.Publish(erasure, ctx => ctx.MessageId = NewId.NextGuid());
        await Poll.UntilAsync(
            () => Task.FromResult(factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == request).Count() == 2),
            "the second delivery confirmed too",
            Timeout);
        Assert.Equal(1, (await SummaryAsync()).Totals.LeadsCaptured);
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
