using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Crm.Contracts.Api.Operations;
using Crm.ServiceDefaults.Storage;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>The dead letters' reasons and ids (collection <see cref="PlatformCollections.DeadLetters"/>).</summary>
public static class DeadLetters
{
    public const string Faulted = "faulted";
    public const string Skipped = "skipped";

    /// <summary>The id a dead letter of <paramref name="messageId"/> from <paramref name="queue"/> gets.</summary>
    public static string IdOf(string queue, string? messageId) => messageId is null ? $"{queue}:{Ids.New()}" : $"{queue}:{messageId}";
}

/// <summary>
/// Keeps dead letters in the store (<see cref="KeepAsync"/>), knows which message types the service consumes (to
/// replay one), and replays them: the message goes back to its queue through the redelivery timer, due at once,
/// with its MessageId and a fresh retry window (<see cref="Replay"/>), in the transaction that deletes the dead letter.
/// </summary>
public sealed class DeadLetterKeeper(IDocumentStore store, TimeProvider time, DeadLetterMetrics metrics, ILogger<DeadLetterKeeper> logger)
{
    private readonly ConcurrentDictionary<string, Type> _consumed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _queues = new(StringComparer.Ordinal);

    /// <summary>The service's consumer queues (for the depth metric).</summary>
    public IReadOnlyCollection<string> Queues => [.. _queues.Keys];

    internal void AddQueue(string queue) => _queues.TryAdd(queue, 0);

    internal void AddConsumed(Type messageType) => _consumed.TryAdd(MessageUrn.ForTypeString(messageType), messageType);

    /// <summary>
    /// Stores the message of <paramref name="context"/> as a dead letter; false (logged) when the store failed, so the
    /// caller leaves it to the broker's <c>_error</c> / <c>_skipped</c> queue instead.
    /// </summary>
    public async Task<bool> KeepAsync(ReceiveContext context, Exception? exception, string reason)
    {
        try
        {
            var record = Describe(context, exception, reason, time.UtcNowMs());
            await store.CommitAsync(Write.Put(PlatformCollections.DeadLetters, record), CancellationToken.None);
            metrics.Kept.Add(1);
            logger.LogError(exception, "Message {MessageId} from {Queue} ({Types}) is a dead letter ({Reason}): {Id}", record.MessageId, record.Queue, string.Join(", ", record.MessageTypes), reason, record.Id);
            return true;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "A dead letter from {InputAddress} could not be stored: it goes to the broker's {Reason} queue", context.InputAddress, reason == DeadLetters.Skipped ? "_skipped" : "_error");
            return false;
        }
    }

    internal static DeadLetterRecord Describe(ReceiveContext context, Exception? exception, string reason, DateTimeOffset now)
    {
        var queue = InboxKey.QueueName(context.InputAddress);
        var bytes = context.Body.GetBytes();
        var (messageId, types) = ReadEnvelope(bytes);
        messageId ??= context.GetMessageId()?.ToString("N")
            ?? (context.TryGetPayload(out RabbitMqBasicConsumeContext? rabbit) && Guid.TryParse(rabbit.Properties.MessageId, out var transportId) ? transportId.ToString("N") : null);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in context.TransportHeaders.GetAll())
        {
            headers[header.Key] = header.Value switch
            {
                byte[] raw => Encoding.UTF8.GetString(raw),
                _ => Convert.ToString(header.Value, CultureInfo.InvariantCulture) ?? string.Empty,
            };
        }

        var firstFailure = headers.TryGetValue(MessageRedelivery.FirstFailureHeader, out var first)
            && DateTimeOffset.TryParse(first, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at.TruncateToMs() : now;
        var redeliveries = headers.TryGetValue(MessageRedelivery.AttemptHeader, out var attempt)
            && int.TryParse(attempt, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var failure = exception is null ? null : Unwrap(exception);
        return new DeadLetterRecord
        {
            Id = DeadLetters.IdOf(queue, messageId),
            Queue = queue,
            MessageId = messageId,
            MessageTypes = types,
            Reason = reason,
            ExceptionType = failure?.GetType().FullName,
            ExceptionMessage = failure?.Message,
            StackTrace = exception?.ToString(),
            Headers = headers,
            ContentType = context.ContentType?.MediaType,
            Body = Text(bytes),
            FirstFailedAt = firstFailure,
            DeadAt = now,
            Redeliveries = redeliveries,
        };
    }

    /// <summary>Whether <paramref name="record"/> can be sent back: an envelope naming a type this service consumes, with a MessageId.</summary>
    public bool CanReplay(DeadLetterRecord record) => Replayable(record) is not null;

    /// <summary>
    /// Adds to <paramref name="unit"/>: the message of <paramref name="record"/> sent back to its queue at once (a
    /// redelivery timer with a fresh window) and the dead letter deleted; false when it cannot be replayed.
    /// </summary>
    public bool Replay(UnitOfWork unit, DeadLetterRecord record)
    {
        if (Replayable(record) is not { } parked)
        {
            return false;
        }

        unit.Schedule(MessageRedelivery.TimerKind, $"{record.Queue}:{parked.MessageId:N}", unit.Now, parked with { FirstFailedAt = unit.Now });
        unit.Delete(PlatformCollections.DeadLetters, Filter<DeadLetterRecord>.Eq(x => x.Id, record.Id));
        return true;
    }

    private ParkedMessage? Replayable(DeadLetterRecord record)
    {
        if (record.Body.StartsWith("base64:", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var envelope = JsonDocument.Parse(record.Body);
            var root = envelope.RootElement;
            var type = record.MessageTypes.Select(urn => _consumed.GetValueOrDefault(urn)).FirstOrDefault(t => t is not null);
            if (type is null
                || !root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object
                || !Guid.TryParse(record.MessageId ?? String(root, "messageId"), out var messageId))
            {
                return null;
            }

            return new ParkedMessage
            {
                Queue = record.Queue,
                MessageType = $"{type.FullName}, {type.Assembly.GetName().Name}",
                Body = message.Clone(),
                MessageId = messageId,
                CorrelationId = Guid.TryParse(String(root, "correlationId"), out var correlation) ? correlation : null,
                ConversationId = Guid.TryParse(String(root, "conversationId"), out var conversation) ? conversation : null,
                Attempt = 0,
                FirstFailedAt = record.FirstFailedAt,
                LastError = $"replayed after: {record.ExceptionType}: {record.ExceptionMessage}",
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (string? MessageId, List<string> Types) ReadEnvelope(byte[] body)
    {
        try
        {
            using var envelope = JsonDocument.Parse(body);
            var root = envelope.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, []);
            }

            var types = root.TryGetProperty("messageType", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList()
                : [];
            return (Guid.TryParse(String(root, "messageId"), out var id) ? id.ToString("N") : null, types);
        }
        catch (JsonException)
        {
            return (null, []);
        }
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Text(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return "base64:" + Convert.ToBase64String(bytes);
        }
    }

    /// <summary>The exception that says what went wrong, not the wrapper MassTransit or a retry put around it.</summary>
    private static Exception Unwrap(Exception exception)
    {
        var current = exception;
        while (current is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            current = aggregate.InnerExceptions[0];
        }

        return current;
    }

    /// <summary>The API's view of a dead letter; <paramref name="full"/> adds its stack trace, headers and body.</summary>
    public DeadLetterResponse ToResponse(DeadLetterRecord record, bool full) => new()
    {
        Id = record.Id,
        Queue = record.Queue,
        MessageId = record.MessageId,
        MessageTypes = record.MessageTypes,
        Reason = record.Reason,
        ExceptionType = record.ExceptionType,
        ExceptionMessage = record.ExceptionMessage,
        FirstFailedAt = record.FirstFailedAt,
        DeadAt = record.DeadAt,
        Redeliveries = record.Redeliveries,
        Replayable = CanReplay(record),
        StackTrace = full ? record.StackTrace : null,
        Headers = full ? record.Headers : null,
        Body = full ? record.Body : null,
    };
}

/// <summary>
/// The error pipe of every consumer endpoint: a message that faulted for good (after its immediate retries, or when
/// its retry window ended) is kept as a dead letter in the store and acknowledged; only when the store fails does it
/// go on to the broker's <c>_error</c> queue (the next filter).
/// </summary>
public sealed class KeepFaultedFilter(DeadLetterKeeper keeper) : IFilter<ExceptionReceiveContext>
{
    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        if (!await keeper.KeepAsync(context, context.Exception, DeadLetters.Faulted))
        {
            await next.Send(context);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("keepDeadLetter");
}

/// <summary>The dead-letter pipe of every consumer endpoint: a message no consumer takes (an unknown type) is kept too.</summary>
public sealed class KeepSkippedFilter(DeadLetterKeeper keeper) : IFilter<ReceiveContext>
{
    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        if (!await keeper.KeepAsync(context, null, DeadLetters.Skipped))
        {
            await next.Send(context);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("keepSkipped");
}

/// <summary>
/// Dead-letter metrics (meter <c>Crm.Messaging</c>): <c>crm.dead_letters.kept</c> (counter) and
/// <c>crm.dead_letters.depth</c> (gauge per queue, counted every <see cref="Interval"/>).
/// </summary>
public sealed class DeadLetterMetrics : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly Meter _meter;
    private volatile IReadOnlyDictionary<string, long> _depth = new Dictionary<string, long>();

    public DeadLetterMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MessagingMetrics.MeterName);
        Kept = _meter.CreateCounter<long>("crm.dead_letters.kept", "{message}", "Messages set aside as dead letters (faulted for good, or no consumer for their type).");
        _meter.CreateObservableGauge(
            "crm.dead_letters.depth",
            () => _depth.Select(d => new Measurement<long>(d.Value, new KeyValuePair<string, object?>("queue", d.Key))),
            "{message}",
            "Dead letters kept per queue (last count).");
    }

    public Counter<long> Kept { get; }

    internal void Report(IReadOnlyDictionary<string, long> depth) => _depth = depth;

    public void Dispose() => _meter.Dispose();
}

/// <summary>Counts the dead letters of each consumer queue for <see cref="DeadLetterMetrics"/>.</summary>
internal sealed class DeadLetterDepthMonitor(IDocumentStore store, DeadLetterKeeper keeper, DeadLetterMetrics metrics, ILogger<DeadLetterDepthMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(DeadLetterMetrics.Interval);
        do
        {
            try
            {
                var depth = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var queue in keeper.Queues)
                {
                    depth[queue] = await store.CountAsync(PlatformQueries.DeadLetters(queue), stoppingToken);
                }

                metrics.Report(depth);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Dead letters could not be counted");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

/// <summary>Wires the dead letters into MassTransit's endpoints.</summary>
public static class DeadLetterConfiguration
{
    public static IServiceCollection AddDeadLetters(this IServiceCollection services)
    {
        services.AddSingleton<DeadLetterKeeper>();
        services.AddSingleton<DeadLetterMetrics>();
        services.AddHostedService<DeadLetterDepthMonitor>();
        return services;
    }

    /// <summary>
    /// The endpoint's error and dead-letter pipes: faults publish their <c>Fault&lt;T&gt;</c> as before, then are kept
    /// in the store (the broker's <c>_error</c> / <c>_skipped</c> queues only when the store fails).
    /// </summary>
    public static void KeepDeadLetters(IReceiveEndpointConfigurator endpoint, string queue, IServiceProvider services)
    {
        var keeper = services.GetRequiredService<DeadLetterKeeper>();
        keeper.AddQueue(queue);
        endpoint.ConfigureError(x =>
        {
            x.UseFilter(new GenerateFaultFilter());
            x.UseFilter(new KeepFaultedFilter(keeper));
            x.UseFilter(new ErrorTransportFilter());
        });
        endpoint.ConfigureDeadLetter(x =>
        {
            x.UseFilter(new KeepSkippedFilter(keeper));
            x.UseFilter(new DeadLetterTransportFilter());
        });
    }
}
