using System.Text.Json;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// An event waiting to be published (the outbox), written in the same transaction as the change that caused it.
/// <see cref="IDocument.Id"/> becomes the MassTransit MessageId, the inbox key downstream.
/// </summary>
public sealed record OutboxRecord : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    /// <summary>Full name of the contract type.</summary>
    public required string Type { get; init; }
    public required string Body { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    /// <summary>Set aside after too many failed attempts: never claimed again until an operator requeues it.</summary>
    public DateTimeOffset? DeadAt { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public string? LeaseOwner { get; init; }
    public string? LeaseToken { get; init; }
    /// <summary>Not claimable before this time: a dispatcher's lease, or the back-off after a failed attempt.</summary>
    public DateTimeOffset? LeaseUntil { get; init; }
}

/// <summary>A message a consumer applied: <c>{consumer}:{messageId}</c>, written with the consumer's effect.</summary>
public sealed record InboxRecord : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required string Consumer { get; init; }
    public required string MessageId { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>
/// A durable timer: <see cref="Kind"/> names the handler, <see cref="Key"/> the thing it is about (one timer per
/// kind and key: scheduling again moves it). Claimed with a lease when due, so one replica fires it.
/// </summary>
public sealed record TimerRecord : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required string Kind { get; init; }
    public required string Key { get; init; }
    public required DateTimeOffset DueAt { get; init; }
    /// <summary>JSON given when it was scheduled.</summary>
    public string? Payload { get; init; }
    public required DateTimeOffset ScheduledAt { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? DeadAt { get; init; }
    public string? LeaseOwner { get; init; }
    public string? LeaseToken { get; init; }
    /// <summary>Not claimable before this time: a runner's lease, or the back-off after a failed attempt.</summary>
    public DateTimeOffset? LeaseUntil { get; init; }

    public static string IdOf(string kind, string key) => $"{kind}:{key}";

    public T? PayloadAs<T>() => Payload is null ? default : JsonSerializer.Deserialize<T>(Payload, DocumentJson.Options);
}

/// <summary>The collections every service's store has besides its own.</summary>
public static class PlatformCollections
{
    /// <summary>Sent records are kept a day, then expire.</summary>
    public static readonly TimeSpan SentRetention = TimeSpan.FromDays(1);

    /// <summary>Applied message ids are kept two weeks: longer than any redelivery.</summary>
    public static readonly TimeSpan InboxRetention = TimeSpan.FromDays(14);

    /// <summary>Idempotent responses are kept 48 h (API.md promises at least 24 h).</summary>
    public static readonly TimeSpan IdempotencyRetention = TimeSpan.FromHours(48);

    public static readonly DocumentCollection<OutboxRecord> Outbox = new DocumentCollection<OutboxRecord>("outbox")
        .Index("pending", i => i.Asc(x => x.SentAt).Asc(x => x.DeadAt).Asc(x => x.Id))
        .Index("sent_ttl", i => i.Asc(x => x.SentAt).ExpireAfter(SentRetention));

    public static readonly DocumentCollection<InboxRecord> Inbox = new DocumentCollection<InboxRecord>("inbox")
        .Index("ttl", i => i.Asc(x => x.ReceivedAt).ExpireAfter(InboxRetention));

    public static readonly DocumentCollection<IdempotentResponse> Idempotency = new DocumentCollection<IdempotentResponse>("idempotency")
        .Index("ttl", i => i.Asc(x => x.CreatedAt).ExpireAfter(IdempotencyRetention));

    public static readonly DocumentCollection<TimerRecord> Timers = new DocumentCollection<TimerRecord>("timers")
        .Index("due", i => i.Asc(x => x.DeadAt).Asc(x => x.DueAt).Asc(x => x.Id));

    public static IReadOnlyList<IDocumentCollection> All { get; } = [Outbox, Inbox, Idempotency, Timers];
}
