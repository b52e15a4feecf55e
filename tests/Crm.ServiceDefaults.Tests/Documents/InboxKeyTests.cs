using Crm.ServiceDefaults.Messaging;
using Xunit;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>The inbox key names the consumer by its queue (stable, explicit), whatever transport delivered the message.</summary>
public sealed class InboxKeyTests
{
    [Theory]
    [InlineData("rabbitmq://rabbit:5672/leads-lead-assigned", "leads-lead-assigned")]
    [InlineData("rabbitmq://rabbit/crm/leads-lead-assigned", "leads-lead-assigned")]
    [InlineData("rabbitmq://rabbit/crm/leads-lead-assigned?durable=true&prefetch=16", "leads-lead-assigned")]
    [InlineData("rabbitmq://rabbit/crm/leads-lead-assigned/", "leads-lead-assigned")]
    [InlineData("loopback://localhost/leads-lead-assigned", "leads-lead-assigned")]
    public void The_queue_name_is_the_last_segment_of_the_input_address(string address, string queue)
    {
        Assert.Equal(queue, InboxKey.QueueName(new Uri(address)));
    }

    [Theory]
    [InlineData("rabbitmq://rabbit/")]
    [InlineData("loopback://localhost")]
    public void An_address_without_a_queue_is_refused(string address)
    {
        Assert.Throws<InvalidOperationException>(() => InboxKey.QueueName(new Uri(address)));
    }

    [Fact]
    public void The_key_is_the_consumer_and_the_message_id()
    {
        var messageId = Guid.NewGuid().ToString("N");

        Assert.Equal($"leads-lead-assigned:{messageId}", new InboxKey(messageId, "leads-lead-assigned").Id);
    }
}
