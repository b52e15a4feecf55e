using Crm.Analytics.Contacts;
using Crm.Analytics.Counters;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// The queues keep their names (the brokers of running systems hold them, and each is also its consumer's inbox key)
/// and each handles one message at a time per process (its messages all write the same hot counters).
/// </summary>
public sealed class AnalyticsWiringTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    [Fact]
    public void Each_event_has_its_queue_handled_one_message_at_a_time()
    {
        var formatter = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        Assert.Equal(
            [
                ("analytics-lead-captured", (int?)1),
                ("analytics-lead-scored", 1),
                ("analytics-lead-scores-changed", 1),
                ("analytics-lead-assigned", 1),
                ("analytics-message-sent", 1),
            ],
            new[]
            {
                Endpoint<CountLeadCaptured>(),
                Endpoint<CountLeadScored>(),
                Endpoint<CountLeadScoresChanged>(),
                Endpoint<CountLeadAssigned>(),
                Endpoint<CountMessageSent>(),
            }.Select(d => (d.GetEndpointName(formatter), d.ConcurrentMessageLimit)));
    }

    [Fact]
    public void The_erasure_request_has_its_own_queue()
    {
        var formatter = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        Assert.Equal("analytics-contact-erasure-requested", Endpoint<ConfirmErasureOnErasureRequested>().GetEndpointName(formatter));
    }

    [Fact]
    public void Csat_scores_have_their_counter_queue_handled_one_message_at_a_time()
    {
        var formatter = factory.Services.GetRequiredService<IEndpointNameFormatter>();
        var endpoint = Endpoint<CountConversationCsatRecorded>();

        Assert.Equal(("analytics-conversation-csat-recorded", 1), (endpoint.GetEndpointName(formatter), endpoint.ConcurrentMessageLimit));
    }

    private IEndpointDefinition Endpoint<TConsumer>()
        where TConsumer : class, IConsumer =>
        factory.Services.GetRequiredService<IEndpointDefinition<TConsumer>>();
}

/// <summary>The read models' queues: named by read model and event, one message at a time (each moves its own watermark).</summary>
public sealed class ReadModelWiringTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    [Fact]
    public void Each_read_model_event_has_its_queue_handled_one_message_at_a_time()
    {
        var formatter = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        Assert.Equal(
            [
                "analytics-inbound-message-received", "analytics-conversation-resolved",
                "analytics-lead-facts-lead-captured", "analytics-lead-facts-lead-assigned", "analytics-lead-facts-lead-stage-changed",
                "analytics-lead-facts-lead-won", "analytics-lead-facts-lead-lost", "analytics-lead-facts-lead-reopened",
                "analytics-lead-facts-lead-activity-logged", "analytics-lead-facts-sla-breached",
                "analytics-customers-order-placed", "analytics-customers-lead-captured",
                "analytics-message-facts-message-sent", "analytics-message-facts-message-delivered", "analytics-message-facts-message-failed",
            ],
            new[]
            {
                Endpoint<CountInboundMessageReceived>(), Endpoint<CountConversationResolved>(),
                Endpoint<Leads.ApplyLeadCaptured>(), Endpoint<Leads.ApplyLeadAssigned>(), Endpoint<Leads.ApplyLeadStageChanged>(),
                Endpoint<Leads.ApplyLeadWon>(), Endpoint<Leads.ApplyLeadLost>(), Endpoint<Leads.ApplyLeadReopened>(),
                Endpoint<Leads.ApplyLeadActivityLogged>(), Endpoint<Leads.ApplySlaBreached>(),
                Endpoint<Customers.ApplyOrderPlaced>(), Endpoint<Customers.ApplyLeadCapturedToCustomer>(),
                Endpoint<MessageFacts.ApplyMessageSent>(), Endpoint<MessageFacts.ApplyMessageDelivered>(), Endpoint<MessageFacts.ApplyMessageFailed>(),
            }.Select(d => d.GetEndpointName(formatter)));
        Assert.All(
            new[] { Endpoint<Leads.ApplyLeadCaptured>(), Endpoint<Customers.ApplyOrderPlaced>(), Endpoint<MessageFacts.ApplyMessageSent>(), Endpoint<CountConversationResolved>() },
            d => Assert.Equal(1, d.ConcurrentMessageLimit));
    }

    [Fact]
    public void Merges_have_their_queues()
    {
        var formatter = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        Assert.Equal("analytics-contacts-merged", Endpoint<Crm.ServiceDefaults.Messaging.RekeyOnContactsMerged>().GetEndpointName(formatter));
        Assert.Equal("analytics-contacts-unmerged", Endpoint<Crm.ServiceDefaults.Messaging.RekeyOnContactsUnmerged>().GetEndpointName(formatter));
    }

    private IEndpointDefinition Endpoint<TConsumer>()
        where TConsumer : class, IConsumer =>
        factory.Services.GetRequiredService<IEndpointDefinition<TConsumer>>();
}
