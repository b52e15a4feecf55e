using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.ServiceDefaults.Storage;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using MassTransit;

namespace Crm.Messaging.Webhooks;

/// <summary>
/// Makes an attempt of a delivery and records it in the caller's unit of work: a 2xx is <c>delivered</c>; a 410 Gone
/// fails it and (<see cref="WebhookOptions.DeactivateOnGone"/>) deactivates the subscription; anything else (another
/// status, a timeout, a refused destination, a connection error) schedules the next attempt
/// (<see cref="RetrySchedule"/>) on the durable timer <see cref="Kind"/>, or fails it when the retry window is over.
/// A replay is one more attempt under the same <c>Webhook-Id</c>: a success makes the delivery <c>delivered</c>; a
/// failure leaves a delivered or failed one as it was (a pending one keeps its schedule).
/// </summary>
public sealed class WebhookDispatcher(WebhookHttp http, WebhookOptions options, TimeProvider time, ILogger<WebhookDispatcher> logger)
{
    /// <summary>The durable timer of a delivery's next attempt (key: the delivery id).</summary>
    public const string Kind = "webhook-delivery";

    internal static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The body of every attempt: <c>{ type, eventId, occurredAt, data }</c>.</summary>
    public static string Payload(WebhookEventData e) =>
        JsonSerializer.Serialize(new { type = e.Type, eventId = e.EventId, occurredAt = e.OccurredAt.UtcDateTime, data = e.Data }, PayloadJson);

    /// <summary>Adds to <paramref name="unit"/> a delivery of <paramref name="e"/> to every active subscription of its type (ids already there are left), each due now.</summary>
    public async Task<int> FanOutAsync(WebhookEventData e, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var subscriptions = await unit.FindAsync(WebhookQueries.ActiveFor(e.Type), cancellationToken);
        if (subscriptions.Count == 0)
        {
            return 0;
        }

        var ids = subscriptions.Select(s => WebhookDelivery.IdOf(e.EventId, s.Id)).ToList();
        var existing = (await unit.GetManyAsync(WebhookCollections.Deliveries, ids, cancellationToken)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var payload = Payload(e);
        var now = time.UtcNowMs();
        var added = 0;
        foreach (var subscription in subscriptions)
        {
            var id = WebhookDelivery.IdOf(e.EventId, subscription.Id);
            if (existing.Contains(id))
            {
                continue;
            }

            unit.InsertIfAbsent(WebhookCollections.Deliveries, new WebhookDelivery
            {
                Id = id,
                SubscriptionId = subscription.Id,
                EventType = e.Type,
                EventId = e.EventId.ToString(),
                Payload = payload,
                Status = DeliveryStatus.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
                UpdatedAt = now,
                Version = 1,
            });
            unit.ScheduleIfAbsent(Kind, id, now);
            added++;
        }

        return added;
    }

    /// <summary>One attempt of <paramref name="delivery"/>, recorded (with its next timer, or its end) in <paramref name="unit"/>; the caller commits.</summary>
    public async Task<WebhookDelivery> AttemptAsync(WebhookDelivery delivery, UnitOfWork unit, bool replay, CancellationToken cancellationToken)
    {
        var subscription = await unit.GetAsync(WebhookCollections.Subscriptions, delivery.SubscriptionId, cancellationToken);
        var now = time.UtcNowMs();
        if (subscription is null || (!subscription.Active && !replay))
        {
            var ended = delivery with
            {
                Status = DeliveryStatus.Failed,
                NextAttemptAt = null,
                LastError = subscription is null ? "The subscription was deleted." : "The subscription is not active.",
                UpdatedAt = now,
                Version = delivery.Version + 1,
            };
            unit.Replace(WebhookCollections.Deliveries, ended, delivery.Version);
            unit.CancelTimer(Kind, delivery.Id);
            return ended;
        }

        var attempt = await http.SendAsync(subscription, delivery, replay, cancellationToken);
        var first = delivery.FirstAttemptAt ?? attempt.At;
        var updated = delivery with
        {
            Attempts = delivery.Attempts + 1,
            Log = [.. delivery.Log.Skip(Math.Max(0, delivery.Log.Count + 1 - WebhookDelivery.MaxLogged)), attempt],
            LastStatusCode = attempt.StatusCode,
            LastError = attempt.Error,
            FirstAttemptAt = first,
            UpdatedAt = now,
            Version = delivery.Version + 1,
        };
        if (attempt.StatusCode is >= 200 and < 300)
        {
            updated = updated with { Status = DeliveryStatus.Delivered, DeliveredAt = now, NextAttemptAt = null };
            if (replay)
            {
                unit.CancelTimer(Kind, delivery.Id);
            }
        }
        else if (attempt.StatusCode == StatusCodes.Status410Gone && options.DeactivateOnGone)
        {
            updated = updated with { Status = DeliveryStatus.Failed, NextAttemptAt = null };
            unit.CancelTimer(Kind, delivery.Id);
            if (subscription.Active)
            {
                unit.Replace(
                    WebhookCollections.Subscriptions,
                    subscription with { Active = false, DeactivatedReason = "410 Gone", UpdatedAt = now, UpdatedBy = "webhooks", Version = subscription.Version + 1 },
                    subscription.Version);
                logger.LogWarning("Webhook subscription {Subscription} answered 410 Gone to delivery {Delivery}: deactivated", subscription.Id, delivery.Id);
            }
        }
        else if (replay)
        {
            // A failed replay changes nothing else: a pending delivery keeps its schedule, a finished one its status.
        }
        else if (RetrySchedule.Next(updated.Attempts, first, now, options, Random.Shared.NextDouble()) is { } next)
        {
            updated = updated with { Status = DeliveryStatus.Pending, NextAttemptAt = next };
            unit.Schedule(Kind, delivery.Id, next);
        }
        else
        {
            updated = updated with { Status = DeliveryStatus.Failed, NextAttemptAt = null };
            logger.LogWarning("Webhook delivery {Delivery} to subscription {Subscription} failed {Attempts} times within the retry window: given up", delivery.Id, subscription.Id, updated.Attempts);
        }

        unit.Replace(WebhookCollections.Deliveries, updated, delivery.Version);
        return updated;
    }
}

/// <summary>Timer <see cref="WebhookDispatcher.Kind"/>: the scheduled attempt of a pending delivery, committed with the timer's removal (or its next schedule).</summary>
public sealed class SendWebhookDelivery(WebhookDispatcher dispatcher) : ITimerHandler
{
    public string Kind => WebhookDispatcher.Kind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var delivery = await unit.GetAsync(WebhookCollections.Deliveries, timer.Key, cancellationToken);
        if (delivery is not { Status: DeliveryStatus.Pending })
        {
            return;
        }

        await dispatcher.AttemptAsync(delivery, unit, replay: false, cancellationToken);
    }
}

/// <summary>
/// Queue <c>messaging-webhook-{event}</c>: turns a platform event into a delivery per active subscription to its public
/// name (<see cref="WebhookEvents"/>), in the unit of work the consume pipeline commits (with its inbox record).
/// </summary>
public sealed class DeliverWebhooks<TEvent>(WebhookDispatcher dispatcher, UnitOfWork unit) : IConsumer<TEvent>
    where TEvent : class
{
    private static readonly WebhookEventType Type = WebhookEvents.For(typeof(TEvent));

    public Task Consume(ConsumeContext<TEvent> context) =>
        dispatcher.FanOutAsync(Type.Describe(context.Message), unit, context.CancellationToken);
}

/// <summary>Registers the webhook consumers, one queue per public event name (<see cref="WebhookEventType.QueueName"/>).</summary>
public static class WebhookConsumers
{
    public static CrmConsumers AddWebhookConsumers(this CrmConsumers consumers) => consumers
        .Add<DeliverWebhooks<LeadCaptured>>(Queue<LeadCaptured>())
        .Add<DeliverWebhooks<LeadScored>>(Queue<LeadScored>())
        .Add<DeliverWebhooks<LeadAssigned>>(Queue<LeadAssigned>())
        .Add<DeliverWebhooks<LeadStageChanged>>(Queue<LeadStageChanged>())
        .Add<DeliverWebhooks<LeadWon>>(Queue<LeadWon>())
        .Add<DeliverWebhooks<LeadLost>>(Queue<LeadLost>())
        .Add<DeliverWebhooks<LeadReopened>>(Queue<LeadReopened>())
        .Add<DeliverWebhooks<MessageSent>>(Queue<MessageSent>())
        .Add<DeliverWebhooks<CallLogged>>(Queue<CallLogged>());

    private static string Queue<T>() => WebhookEvents.For(typeof(T)).QueueName;
}
