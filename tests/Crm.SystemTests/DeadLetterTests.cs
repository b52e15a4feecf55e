using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Operations;
using Crm.Testing;
using MassTransit;
using RabbitMQ.Client;
using Xunit;

namespace Crm.SystemTests;

/// <summary>
/// Dead letters on the running platform, through the gateway: a poison message on Messaging's queue (a
/// <c>LeadAssigned</c> without a contact, which the consumer refuses) is set aside at once with its reason while
/// healthy traffic passes, and an operator lists, reads, replays and purges it.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DeadLetterTests(Platform platform)
{
    private const string Queue = "messaging-lead-assigned";
    private const string Base = "/api/messaging/admin/dead-letters";

    [Fact]
    public async Task A_poison_message_is_a_dead_letter_an_operator_lists_reads_replays_and_purges_through_the_gateway()
    {
        using var http = new HttpClient { BaseAddress = platform.Gateway };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Platform.ApiKey);
        var messageId = NewId.NextGuid();
        var id = $"{Queue}:{messageId:N}";

        await PublishPoisonAsync(messageId);
        var dead = await Poll.ForAsync(
            async () => await http.GetAsync($"{Base}/{id}") is { StatusCode: HttpStatusCode.OK } found ? await found.Content.ReadFromJsonAsync<DeadLetterResponse>(Json) : null,
            "the poison message to be a dead letter");

        Assert.Equal((Queue, "faulted", 0), (dead.Queue, dead.Reason, dead.Redeliveries));
        Assert.Equal("Crm.ServiceDefaults.Messaging.InvalidMessageException", dead.ExceptionType);
        Assert.Contains("contactId", dead.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(["urn:message:Crm.Contracts.Assignment:LeadAssigned"], dead.MessageTypes);
        Assert.True(dead.Replayable);
        Assert.Contains("poison-lead", dead.Body, StringComparison.Ordinal);
        Assert.NotNull(dead.StackTrace);
        Assert.NotEmpty(dead.Headers!);

        var queues = await http.GetFromJsonAsync<Page<DeadLetterQueueResponse>>($"{Base}/queues", Json);
        Assert.True(queues!.Items.Single(q => q.Queue == Queue).Count >= 1);
        var listed = await http.GetFromJsonAsync<Page<DeadLetterResponse>>($"{Base}?queue={Queue}&limit=500", Json);
        var item = Assert.Single(listed!.Items, d => d.Id == id);
        Assert.Null(item.Body);

        // Replayed, it fails the same way (the consumer still refuses it) and is a dead letter again, not lost.
        var deadAt = dead.DeadAt;
        using (var replay = await http.PostAsync($"{Base}/{id}/replay", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        await Poll.UntilAsync(
            async () => await http.GetAsync($"{Base}/{id}") is { StatusCode: HttpStatusCode.OK } again && (await again.Content.ReadFromJsonAsync<DeadLetterResponse>(Json))!.DeadAt > deadAt,
            "the replayed message to fail again and be a dead letter again");

        using (var purge = await http.DeleteAsync($"{Base}/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, purge.StatusCode);
        }

        using var gone = await http.GetAsync($"{Base}/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        using var purgeWithoutQueue = await http.DeleteAsync(Base);
        Assert.Equal(HttpStatusCode.BadRequest, purgeWithoutQueue.StatusCode);
        Assert.Contains("\"queue\"", await purgeWithoutQueue.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A <c>LeadAssigned</c> with no contact, as MassTransit's envelope, to the queue's exchange.</summary>
    private async Task PublishPoisonAsync(Guid messageId)
    {
        var envelope = new
        {
            messageId = messageId.ToString(),
            messageType = new[] { "urn:message:Crm.Contracts.Assignment:LeadAssigned" },
            message = new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, leadId = "poison-lead", contactId = "", repId = "rep", repName = "Rep" },
        };
        await using var connection = await new ConnectionFactory { Uri = new Uri(platform.Broker.AmqpUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { MessageId = messageId.ToString(), ContentType = "application/vnd.masstransit+json", Persistent = true };
        await channel.BasicPublishAsync(Queue, string.Empty, mandatory: true, properties, JsonSerializer.SerializeToUtf8Bytes(envelope));
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
