using System.Text.Json;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// An event waiting to be published (the outbox), written in the same transaction as the change that caused it, and
/// deleted once the broker confirmed it. <see cref="IDocument.Id"/> becomes the MassTransit MessageId, the inbox key
/// downstream.
/// </summary>
public sealed record OutboxRecord : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    /// <summary>Full name of the contract type.</summary>
    public required string Type { get; init; }
    /// <summary>The event as JSON, stored as a nested document (readable by operators, parsed once when published).</summary>
    public required JsonElement Body { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>
    /// Only in stores written before published records were deleted (they were kept a day, marked sent): such a
    /// record was published, and the dispatcher deletes it when it starts instead of publishing it again.
    /// </summary>
    public DateTimeOffset? SentAt { get; init; }
    /// <summary>Set aside after too many failed attempts: never published again until an operator requeues it.</summary>
    public DateTimeOffset? DeadAt { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    /// <summary>Not published before this time: the back-off after a failed attempt.</summary>
    public DateTimeOffset? RetryAt { get; init; }
}

/// <summary>
/// A lease on a job only one replica may run at a time (<see cref="Id"/> names the job, e.g. <c>outbox</c>):
/// held by <see cref="Owner"/> until <see cref="Until"/>, renewed while it works, taken over once it ran out.
/// </summary>
public sealed record LeaseRecord : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required string Owner { get; init; }
    public required DateTimeOffset Until { get; init; }
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

/// <summary>
/// A message a consumer could not apply, kept in the service's own store instead of a broker <c>_error</c> queue: an
/// operator lists, reads, replays and purges it through the service's API (<c>/api/{service}/admin/dead-letters</c>).
/// </summary>
public sealed record DeadLetterRecord : IDocument
{
    /// <summary><c>{queue}:{messageId}</c> (a message that died twice replaces its first record), or a new id when it had none.</summary>
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required string Queue { get; init; }
    public string? MessageId { get; init; }
    public required List<string> MessageTypes { get; init; }
    /// <summary><c>faulted</c> or <c>skipped</c>.</summary>
    public required string Reason { get; init; }
    public string? ExceptionType { get; init; }
    public string? ExceptionMessage { get; init; }
    /// <summary>The exception with its inner exceptions and stack traces.</summary>
    public string? StackTrace { get; init; }
    public required Dictionary<string, string> Headers { get; init; }
    public string? ContentType { get; init; }
    /// <summary>The body as received: UTF-8 text, or <c>base64:</c> and its bytes.</summary>
    public required string Body { get; init; }
    public required DateTimeOffset FirstFailedAt { get; init; }
    public required DateTimeOffset DeadAt { get; init; }
    public int Redeliveries { get; init; }
}

/// <summary>The collections every service's store has besides its own.</summary>
public static class PlatformCollections
{
    /// <summary>Applied message ids are kept two weeks: longer than any redelivery.</summary>
    public static readonly TimeSpan InboxRetention = TimeSpan.FromDays(14);

    /// <summary>Idempotent responses are kept 48 h (API.md promises at least 24 h).</summary>
    public static readonly TimeSpan IdempotencyRetention = TimeSpan.FromHours(48);

    public static readonly DocumentCollection<OutboxRecord> Outbox = new DocumentCollection<OutboxRecord>("outbox")
        .Index("due", i => i.Asc(x => x.DeadAt).Asc(x => x.Id));

    public static readonly DocumentCollection<InboxRecord> Inbox = new DocumentCollection<InboxRecord>("inbox")
        .Index("ttl", i => i.Asc(x => x.ReceivedAt).ExpireAfter(InboxRetention));

    public static readonly DocumentCollection<IdempotentResponse> Idempotency = new DocumentCollection<IdempotentResponse>("idempotency")
        .Index("ttl", i => i.Asc(x => x.CreatedAt).ExpireAfter(IdempotencyRetention))
        .Index("subjects", i => i.Asc(x => x.Subjects));

    public static readonly DocumentCollection<TimerRecord> Timers = new DocumentCollection<TimerRecord>("timers")
        .Index("due", i => i.Asc(x => x.DeadAt).Asc(x => x.DueAt).Asc(x => x.Id));

    public static readonly DocumentCollection<LeaseRecord> Leases = new("leases");

    public static readonly DocumentCollection<DeadLetterRecord> DeadLetters = new DocumentCollection<DeadLetterRecord>("dead_letters")
        .Index("queue", i => i.Asc(x => x.Queue).Asc(x => x.Id));

    public static IReadOnlyList<IDocumentCollection> All { get; } = [Outbox, Inbox, Idempotency, Timers, Leases, DeadLetters];
}
