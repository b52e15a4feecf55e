using System.Text.Json;

namespace Crm.ServiceDefaults.Storage.Outbox;

/// <summary>Event (de)serialisation for the outbox: contracts only, by full type name.</summary>
public static class OutboxSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Type?> Types = new(StringComparer.Ordinal);

    /// <summary>The outbox document of <paramref name="message"/>; its id becomes the MessageId.</summary>
    public static OutboxRecord CreateRecord(object message, DateTimeOffset now)
    {
        var type = message.GetType();
        if (type.Assembly != typeof(Crm.Contracts.Leads.LeadCaptured).Assembly)
        {
            throw new ArgumentException($"Only Crm.Contracts events go through the outbox, not {type.FullName}.", nameof(message));
        }

        return new OutboxRecord
        {
            Id = Ids.New(),
            Type = type.FullName!,
            Body = JsonSerializer.SerializeToElement(message, type, Options),
            CreatedAt = now,
        };
    }

    /// <summary>The event of a record; throws when its type is not a contract (any more) or its body does not read.</summary>
    public static (object Message, Type Type) Read(string typeName, JsonElement body)
    {
        var type = Types.GetOrAdd(typeName, name => typeof(Crm.Contracts.Leads.LeadCaptured).Assembly.GetType(name, throwOnError: false))
            ?? throw new TypeLoadException($"'{typeName}' is not a contract type (any more).");
        return (body.Deserialize(type, Options) ?? throw new JsonException($"The body of a {typeName} is null."), type);
    }
}

/// <summary>Wakes the dispatcher right after a commit that wrote to the outbox.</summary>
public sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}

/// <summary>Config section <c>Outbox</c>.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>How often a replica without the lease checks for it, and the dispatcher for records whose back-off ended (a commit wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// How long the publishing replica's lease lasts (renewed every third of it while it works): when it dies, another
    /// replica takes over after this, and publishes again what it had published but not yet deleted.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Records read and published (concurrently, with confirms) per round.</summary>
    public int BatchSize { get; set; } = 500;
    /// <summary>Failed attempts after which a record is set aside as dead (the back-off doubles from 1 s up to <see cref="MaxBackoff"/>).</summary>
    public int MaxAttempts { get; set; } = 20;
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);
    public bool Enabled { get; set; } = true;
}
