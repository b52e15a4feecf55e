using Crm.Messaging.Webhooks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Messaging.Tests.Webhooks;

/// <summary>Each public event name has its consumer on its own queue (also its inbox key: renaming it would forget what was applied).</summary>
public sealed class WebhookWiringTests
{
    [Fact]
    public async Task Every_event_type_has_a_consumer_on_its_messaging_webhook_queue()
    {
        await using var factory = new WebhookFactory();
        var names = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        var queues = WebhookEvents.All.Select(type =>
        {
            var definition = (IEndpointDefinition)factory.Services.GetRequiredService(typeof(IEndpointDefinition<>).MakeGenericType(typeof(DeliverWebhooks<>).MakeGenericType(type.Contract)));
            return definition.GetEndpointName(names);
        });

        Assert.Equal(
            ["messaging-webhook-lead-captured", "messaging-webhook-lead-scored", "messaging-webhook-lead-assigned", "messaging-webhook-lead-stage-changed",
             "messaging-webhook-lead-won", "messaging-webhook-lead-lost", "messaging-webhook-lead-reopened", "messaging-webhook-message-sent",
             "messaging-webhook-call-logged"],
            queues);
    }
}
