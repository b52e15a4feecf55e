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

    private IEndpointDefinition Endpoint<TConsumer>()
        where TConsumer : class, IConsumer =>
        factory.Services.GetRequiredService<IEndpointDefinition<TConsumer>>();
}
