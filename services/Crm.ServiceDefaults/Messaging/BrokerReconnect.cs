using System.Reflection;
using MassTransit;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client.Exceptions;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>
/// How soon a service uses the broker again after an outage. MassTransit's RabbitMQ transport reconnects every
/// receive endpoint (and sends) on a fixed schedule, exponential from 3 s up to 30 s: after a broker restart of a few
/// seconds an endpoint could wait half a minute before it consumes again (the fault suite measured 13 s of a
/// 30-message-a-second backlog standing still after an 8 s outage). This replaces that policy with one that retries
/// exactly the same exceptions, from <see cref="RabbitMqOptions.ReconnectMinDelay"/> (1 s) up to
/// <see cref="RabbitMqOptions.ReconnectMaxDelay"/> (5 s), with jitter: a service that is down costs the broker about
/// one connection attempt a second per service, and one that is back is used within 5 s.
/// MassTransit 8 has no setting for it: its host configuration's getter-only property is set through its backing
/// field. Should a later MassTransit rename a field, <see cref="TryApply"/> returns false and the service starts with
/// MassTransit's schedule, saying so in its log; <c>BrokerReconnectTests</c> fails first.
/// </summary>
public static class BrokerReconnect
{
    /// <summary>Puts the shorter schedule on the bus being configured; false when MassTransit's internals changed.</summary>
    public static bool TryApply(IRabbitMqBusFactoryConfigurator configurator, TimeSpan minDelay, TimeSpan maxDelay)
    {
        if (PolicyField(configurator) is not var (host, field))
        {
            return false;
        }

        field.SetValue(host, Policy(minDelay, maxDelay));
        return true;
    }

    /// <summary>The reconnect policy the bus of <paramref name="configurator"/> uses now (null when it cannot be read).</summary>
    public static IRetryPolicy? Current(IRabbitMqBusFactoryConfigurator configurator) =>
        PolicyField(configurator) is var (host, field) ? field.GetValue(host) as IRetryPolicy : null;

    /// <summary>The host configuration of the bus being configured and the backing field of its reconnect policy.</summary>
    private static (object Host, FieldInfo Field)? PolicyField(IRabbitMqBusFactoryConfigurator configurator)
    {
        var host = configurator.GetType().GetField("_hostConfiguration", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(configurator);
        return host is not null && FindBackingField(host.GetType()) is { } field ? (host, field) : null;
    }

    /// <summary>MassTransit's own filters (RabbitMqHostConfiguration, 8.5: what it retries and ignores), with a shorter exponential schedule.</summary>
    public static IRetryPolicy Policy(TimeSpan minDelay, TimeSpan maxDelay) => Retry.CreatePolicy(x =>
    {
        x.Handle<ConnectionException>();
        x.Handle<AlreadyClosedException>();
        x.Handle<EndOfStreamException>();
        x.Handle<OperationInterruptedException>(exception => exception.ChannelShouldBeClosed());
        x.Handle<NotSupportedException>(exception => exception.Message.Contains("Pipelining of requests forbidden", StringComparison.Ordinal));
        x.Ignore<AuthenticationFailureException>();
        x.Exponential(1000, minDelay, maxDelay, minDelay);
    });

    private static FieldInfo? FindBackingField(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.GetField("<ReceiveTransportRetryPolicy>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly) is { } field
                && field.FieldType == typeof(IRetryPolicy))
            {
                return field;
            }
        }

        return null;
    }
}
