using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Crm.ServiceDefaults.Storage;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.RetryPolicies;
using MassTransit.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>A parked message, as its <see cref="MessageRedelivery.TimerKind"/> timer keeps it until it is sent back.</summary>
public sealed record ParkedMessage
{
    /// <summary>The queue it is sent back to (through its exchange, <c>exchange:{name}</c>).</summary>
    public required string Queue { get; init; }
    /// <summary><c>{full type name}, {assembly}</c>.</summary>
    public required string MessageType { get; init; }
    /// <summary>The message as MassTransit serialises it.</summary>
    public required JsonElement Body { get; init; }
    /// <summary>Kept, so the consumer's inbox still recognises the message.</summary>
    public required Guid MessageId { get; init; }
    public Guid? CorrelationId { get; init; }
    public Guid? ConversationId { get; init; }
    /// <summary>Which redelivery this is (1 for the first).</summary>
    public required int Attempt { get; init; }
    public required DateTimeOffset FirstFailedAt { get; init; }
    public required string LastError { get; init; }
}

/// <summary>
/// Redelivery that outlasts an outage without holding a prefetch slot: a message whose immediate retries all failed
/// is parked as a durable timer (<see cref="TimerKind"/>, key <c>{queue}:{messageId}</c>) in the service's own store
/// and its delivery acknowledged; when the timer is due, <see cref="RedeliveryTimer"/> sends it back to its queue with
/// the same MessageId (the inbox still drops it once applied) and headers counting the attempts; the first success of
/// the queue after failures brings its parked messages forward (its dependency is back). Once
/// <see cref="MessageRetryOptions.Window"/> has passed since its first failure it faults and becomes a dead letter (<see cref="DeadLetterKeeper"/>).
/// </summary>
public sealed class MessageRedelivery(
    IServiceScopeFactory scopes,
    IOptions<MessageRetryOptions> options,
    MessagingMetrics metrics,
    ConsumerBreaker breaker,
    TimeProvider time,
    ILogger<MessageRedelivery> logger)
{
    public const string TimerKind = "message-redelivery";
    /// <summary>Header of a redelivered message: which redelivery it is (1 for the first).</summary>
    public const string AttemptHeader = "Crm-Redelivery-Attempt";
    /// <summary>Header of a redelivered message: when it first failed (ISO 8601).</summary>
    public const string FirstFailureHeader = "Crm-First-Failure";

    /// <summary>
    /// Only transient failures are parked (<see cref="TransientFailures"/>): a message that cannot be applied (a bug,
    /// a body or value it refuses) faults after its immediate retries and becomes a dead letter.
    /// </summary>
    private static readonly IRetryPolicy Parkable = Retry.Filter<Exception>(TransientFailures.IsTransient).Immediate(1);

    public MessageRetryOptions Options => options.Value;

    /// <summary>
    /// Runs the delivery (its immediate retries inside); when it fails with a transient error, parks the message and
    /// acknowledges the delivery, or, once the window is over, lets it fault. Faults of the attempts are held back
    /// until it is given up, so a parked message publishes no <c>Fault&lt;T&gt;</c>.
    /// </summary>
    public async Task SendAsync<T>(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
        where T : class
    {
        var attempts = new RetryConsumeContext<T>(context, Parkable, null);
        var queue = InboxKey.QueueName(context.ReceiveContext.InputAddress);
        try
        {
            await next.Send(attempts);
            if (breaker.Succeeded(queue))
            {
                await WakeParkedAsync(queue);
            }
        }
        catch (Exception ex) when (Parkable.IsHandled(ex) && !context.CancellationToken.IsCancellationRequested)
        {
            breaker.FailedTransiently(queue, ex);
            var now = time.GetUtcNow();
            var attempt = context.Headers.Get<int>(AttemptHeader) ?? 0;
            var firstFailedAt = FirstFailure(context) ?? now;
            var remaining = firstFailedAt + Options.Window - now;
            if (remaining <= TimeSpan.Zero)
            {
                metrics.GivenUp.Add(1);
                logger.LogError(ex, "{MessageType} {MessageId} still fails {Window} after its first failure ({Attempts} redeliveries): it becomes a dead letter", typeof(T).Name, context.MessageId, Options.Window, attempt);
                await attempts.NotifyPendingFaults();
                throw;
            }

            var delay = Options.Backoff(attempt + 1, Random.Shared.NextDouble());
            await ParkAsync(context, attempt + 1, firstFailedAt, now + (delay < remaining ? delay : remaining), ex);
            await context.NotifyConsumed(context, context.ReceiveContext.ElapsedTime, nameof(MessageRedelivery));
        }
    }

    private async Task ParkAsync<T>(ConsumeContext<T> context, int attempt, DateTimeOffset firstFailedAt, DateTimeOffset dueAt, Exception error)
        where T : class
    {
        var key = InboxKey.For(context);
        var parked = new ParkedMessage
        {
            Queue = key.Consumer,
            MessageType = $"{typeof(T).FullName}, {typeof(T).Assembly.GetName().Name}",
            Body = JsonSerializer.SerializeToElement(context.Message, SystemTextJsonMessageSerializer.Options),
            MessageId = context.MessageId!.Value,
            CorrelationId = context.CorrelationId,
            ConversationId = context.ConversationId,
            Attempt = attempt,
            FirstFailedAt = firstFailedAt,
            LastError = $"{error.GetType().Name}: {error.Message}",
        };

        // A unit of its own: nothing the failed attempts collected goes with it, and no inbox record.
        await using var scope = scopes.CreateAsyncScope();
        var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        unit.Schedule(TimerKind, key.Id, dueAt, parked);
        await unit.CommitAsync(CancellationToken.None);
        metrics.Parked.Add(1);
        logger.LogWarning(error, "{MessageType} {MessageId} failed; parked for redelivery {Attempt} to {Queue} at {DueAt:O}", typeof(T).Name, key.MessageId, attempt, key.Consumer, dueAt);
    }

    /// <summary>
    /// The queue's messages succeed again after failing for want of a dependency: the ones parked meanwhile are brought
    /// forward and sent back now, instead of each waiting out its back-off. Best effort: should it fail, they come back
    /// when their timers are due.
    /// </summary>
    private async Task WakeParkedAsync(string queue)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            unit.WakeTimers(TimerKind, queue + ":");
            await unit.CommitAsync(CancellationToken.None);
            logger.LogInformation("{Queue} succeeds again: its parked messages are sent back now", queue);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not bring the parked messages of {Queue} forward; they come back when their timers are due", queue);
        }
    }

    private static DateTimeOffset? FirstFailure(ConsumeContext context) =>
        context.Headers.Get<string>(FirstFailureHeader) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
}

/// <summary>Puts <see cref="MessageRedelivery"/> in front of every message type's pipe, outside its immediate retries.</summary>
public sealed class RedeliveryFilter<T>(MessageRedelivery redelivery) : IFilter<ConsumeContext<T>>
    where T : class
{
    public Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next) => redelivery.SendAsync(context, next);

    public void Probe(ProbeContext context) => context.CreateFilterScope("redelivery");
}

/// <summary>
/// Adds <see cref="RedeliveryFilter{T}"/> to each message type an endpoint consumes, as MassTransit adds its retry
/// filters: created before them, it runs outside them.
/// </summary>
public sealed class RedeliveryConfigurationObserver : ConfigurationObserver, IMessageConfigurationObserver
{
    private readonly MessageRedelivery _redelivery;
    private readonly DeadLetterKeeper _deadLetters;

    public RedeliveryConfigurationObserver(IConsumePipeConfigurator configurator, MessageRedelivery redelivery, DeadLetterKeeper deadLetters)
        : base(configurator)
    {
        _redelivery = redelivery;
        _deadLetters = deadLetters;
        Connect(this);
    }

    public void MessageConfigured<TMessage>(IConsumePipeConfigurator configurator)
        where TMessage : class
    {
        _deadLetters.AddConsumed(typeof(TMessage));
        configurator.UseFilter(new RedeliveryFilter<TMessage>(_redelivery));
    }
}

/// <summary>
/// Sends a parked message back to its queue when its timer is due. A failed send (the broker is down) is retried by
/// the timer runner with its back-off, for at least the retry window beyond its usual attempts, so a broker outage
/// that long sets no redelivery aside as dead.
/// </summary>
public sealed class RedeliveryTimer(ISendEndpointProvider endpoints, IOptions<MessageRetryOptions> retry, TimerOptions timers, MessagingMetrics metrics) : ITimerHandler
{
    /// <summary>How long one send may wait for the broker before the attempt fails.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    public string Kind => MessageRedelivery.TimerKind;

    public int? MaxAttempts => timers.MaxAttempts + (int)Math.Ceiling(retry.Value.Window / timers.MaxBackoff);

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var parked = timer.PayloadAs<ParkedMessage>() ?? throw new InvalidOperationException($"Timer {timer.Key} holds no message.");
        var type = Type.GetType(parked.MessageType, throwOnError: true)!;
        var message = parked.Body.Deserialize(type, SystemTextJsonMessageSerializer.Options)
            ?? throw new InvalidOperationException($"Timer {timer.Key} holds a null {parked.MessageType}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        // To the queue's own exchange (every MassTransit receive endpoint has one bound to its queue): sending to
        // "queue:" would declare the queue again with default (classic) arguments, which a quorum queue refuses.
        var endpoint = await endpoints.GetSendEndpoint(new Uri($"exchange:{parked.Queue}"));
        await endpoint.Send(
            message,
            type,
            context =>
            {
                context.MessageId = parked.MessageId;
                context.CorrelationId = parked.CorrelationId;
                context.ConversationId = parked.ConversationId;
                context.Headers.Set(MessageRedelivery.AttemptHeader, parked.Attempt);
                context.Headers.Set(MessageRedelivery.FirstFailureHeader, parked.FirstFailedAt.ToString("O", CultureInfo.InvariantCulture));
            },
            timeout.Token);
        metrics.Redelivered.Add(1);
    }
}

/// <summary>The messaging metrics (meter <c>Crm.Messaging</c>, exported on <c>/metrics</c>): messages parked, redelivered and given up.</summary>
public sealed class MessagingMetrics : IDisposable
{
    public const string MeterName = "Crm.Messaging";

    private readonly Meter _meter;

    public MessagingMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        Parked = _meter.CreateCounter<long>("crm.messages.parked", "{message}", "Failed messages parked for a delayed redelivery.");
        Redelivered = _meter.CreateCounter<long>("crm.messages.redelivered", "{message}", "Parked messages sent back to their queue.");
        GivenUp = _meter.CreateCounter<long>("crm.messages.given_up", "{message}", "Messages still failing when their retry window ended (kept as dead letters).");
        Paused = _meter.CreateCounter<long>("crm.consumers.paused", "{pause}", "Times a consumer endpoint paused because its messages kept failing for want of a dependency.");
    }

    public Counter<long> Parked { get; }

    public Counter<long> Redelivered { get; }

    public Counter<long> GivenUp { get; }

    public Counter<long> Paused { get; }

    public void Dispose() => _meter.Dispose();
}
