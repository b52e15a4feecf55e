using System.Collections.Concurrent;
using MassTransit;

namespace Crm.Testing;

/// <summary>
/// Watches the bus for one test. The harness' lists cannot answer two questions without waiting for the harness to
/// go idle (which ends it for the tests after): how often a MessageId was consumed (the lists keep one entry per
/// MessageId, so a redelivery does not show), and that something was NOT published. This observer can.
/// </summary>
public sealed class BusRecorder : IConsumeObserver, IPublishObserver, IDisposable
{
    private readonly ConcurrentDictionary<Guid, int> _consumed = new();
    private readonly ConcurrentDictionary<Guid, int> _faulted = new();
    private readonly ConcurrentQueue<object> _published = new();
    private readonly ConnectHandle _consume;
    private readonly ConnectHandle _publish;

    public BusRecorder(IBus bus)
    {
        _consume = bus.ConnectConsumeObserver(this);
        _publish = bus.ConnectPublishObserver(this);
    }

    /// <summary>Deliveries of this MessageId that finished, successfully or not.</summary>
    public int Finished(Guid messageId) => Consumed(messageId) + Faulted(messageId);

    /// <summary>Deliveries of this MessageId that a consumer completed.</summary>
    public int Consumed(Guid messageId) => _consumed.GetValueOrDefault(messageId);

    /// <summary>Deliveries of this MessageId whose consumer threw.</summary>
    public int Faulted(Guid messageId) => _faulted.GetValueOrDefault(messageId);

    public IReadOnlyList<T> Published<T>() => _published.OfType<T>().ToList();

    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class => Count(_consumed, context);

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class => Count(_faulted, context);

    public Task PrePublish<T>(PublishContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context)
        where T : class
    {
        _published.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;

    public void Dispose()
    {
        _consume.Disconnect();
        _publish.Disconnect();
    }

    private static Task Count(ConcurrentDictionary<Guid, int> counts, ConsumeContext context)
    {
        if (context.MessageId is { } id)
        {
            counts.AddOrUpdate(id, 1, (_, n) => n + 1);
        }

        return Task.CompletedTask;
    }
}
