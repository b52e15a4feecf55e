using Crm.Analytics.Contacts;
using Crm.Analytics.ReadModels;
using Crm.Contracts.Leads;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// One queue per event type, named after the event (the brokers of running systems hold them, and each is also its
/// consumer's inbox key), each handing its deliveries at once to its lane of the <see cref="ProjectionBatcher"/> (which
/// commits one batch at a time: its events all write the same hot counters and watermarks) and applying every read model
/// the event moves.
/// </summary>
public sealed class AnalyticsWiringTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    [Fact]
    public void Each_event_has_one_queue_whose_deliveries_are_handed_to_its_batch_lane_at_once()
    {
        var formatter = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        Assert.Equal(
            [
                "analytics-lead-captured", "analytics-lead-scored", "analytics-lead-scores-changed", "analytics-lead-assigned",
                "analytics-message-sent", "analytics-inbound-message-received", "analytics-conversation-resolved",
                "analytics-conversation-csat-recorded", "analytics-lead-stage-changed", "analytics-lead-won", "analytics-lead-lost",
                "analytics-lead-reopened", "analytics-lead-activity-logged", "analytics-sla-breached", "analytics-order-placed",
                "analytics-segment-membership-changed", "analytics-message-delivered", "analytics-message-failed",
            ],
            AnalyticsProjection.ProjectedEventTypes.Select(t => Endpoint(typeof(ProjectEvent<>).MakeGenericType(t)).GetEndpointName(formatter)));
        Assert.All(AnalyticsProjection.ProjectedEventTypes, t =>
        {
            var endpoint = Endpoint(typeof(ProjectEvent<>).MakeGenericType(t));
            Assert.Equal((AnalyticsService.ProjectionConcurrency, AnalyticsService.ProjectionConcurrency), (endpoint.ConcurrentMessageLimit, endpoint.PrefetchCount));
        });
    }

    [Fact]
    public void A_captured_lead_moves_four_read_models_from_its_one_queue()
    {
        Assert.Equal(
            ["lead-captured", "lead-captured", "lead-captured", "lead-captured"],
            AnalyticsProjection.All.Where(p => p.EventType == typeof(LeadCaptured)).Select(p => p.Queue));
    }

    [Fact]
    public void The_erasure_request_and_merges_have_their_own_queues()
    {
        var formatter = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        Assert.Equal("analytics-contact-erasure-requested", Endpoint(typeof(ConfirmErasureOnErasureRequested)).GetEndpointName(formatter));
        Assert.Equal("analytics-contacts-merged", Endpoint(typeof(Crm.ServiceDefaults.Messaging.RekeyOnContactsMerged)).GetEndpointName(formatter));
        Assert.Equal("analytics-contacts-unmerged", Endpoint(typeof(Crm.ServiceDefaults.Messaging.RekeyOnContactsUnmerged)).GetEndpointName(formatter));
    }

    private IEndpointDefinition Endpoint(Type consumer) =>
        (IEndpointDefinition)factory.Services.GetRequiredService(typeof(IEndpointDefinition<>).MakeGenericType(consumer));
}
