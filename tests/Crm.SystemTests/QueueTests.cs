using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

/// <summary>The consumer queues as RabbitMQ declared them for the running services: quorum, with a delivery limit.</summary>
[Collection(PlatformCollection.Name)]
public sealed class QueueTests(Platform platform)
{
    [Fact]
    public async Task Every_consumer_queue_is_a_quorum_queue_with_a_delivery_limit()
    {
        var (exitCode, output) = await platform.Broker.CtlAsync("-q", "list_queues", "--no-table-headers", "name", "type", "arguments");
        Assert.True(exitCode == 0, output);

        // "messaging-lead-assigned	quorum	[{"x-delivery-limit",20},{"x-queue-type","quorum"}]"; error and skipped queues
        // and the bus' own temporary queue are MassTransit's.
        var consumerQueues = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Where(fields => fields[0].Split('-')[0] is "contacts" or "leads" or "assignment" or "messaging" or "analytics"
                             && !fields[0].EndsWith("_error", StringComparison.Ordinal)
                             && !fields[0].EndsWith("_skipped", StringComparison.Ordinal))
            .ToList();

        Assert.True(consumerQueues.Count >= 6, output);
        Assert.All(consumerQueues, fields =>
        {
            Assert.True(fields[1] == "quorum", $"{fields[0]} is {fields[1]}");
            Assert.Contains("{\"x-delivery-limit\",20}", fields[2], StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task An_endpoint_takes_the_prefetch_configured_for_it_and_the_others_the_default()
    {
        var (exitCode, output) = await platform.Broker.CtlAsync("-q", "list_consumers", "--no-table-headers", "queue_name", "prefetch_count");
        Assert.True(exitCode == 0, output);
        var prefetch = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Where(fields => fields.Length == 2)
            .GroupBy(fields => fields[0])
            .ToDictionary(g => g.Key, g => g.Select(f => f[1]).Distinct().Single());

        Assert.Equal("4", prefetch[Platform.OwnPrefetchQueue]);
        Assert.Equal("16", prefetch["leads-lead-assigned"]);
    }
}
