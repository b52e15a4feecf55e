namespace Crm.Contracts.Api.Operations;

/// <summary>
/// A message one of a service's consumers could not apply, kept in the service's store (<c>GET
/// /api/{service}/admin/dead-letters/{id}</c>): what it was, where it came from, and why it failed.
/// </summary>
public sealed record DeadLetterResponse
{
    /// <summary>The dead letter's id (<c>{queue}:{messageId}</c> when the message had an id).</summary>
    public required string Id { get; init; }

    /// <summary>The queue it came from, e.g. <c>messaging-lead-assigned</c>; a replay sends it back there.</summary>
    public required string Queue { get; init; }

    /// <summary>The message's MessageId (kept on a replay, so the consumer's inbox still recognises it); null when unreadable.</summary>
    public string? MessageId { get; init; }

    /// <summary>The message types its envelope names (<c>urn:message:...</c>); empty when the body could not be read.</summary>
    public required IReadOnlyList<string> MessageTypes { get; init; }

    /// <summary><c>faulted</c> (the consumer failed: a bug, a value it refuses, or a dependency down for longer than the retry window) or <c>skipped</c> (no consumer for its type).</summary>
    public required string Reason { get; init; }

    /// <summary>The exception's type, e.g. <c>System.InvalidOperationException</c> (null for a skipped message).</summary>
    public string? ExceptionType { get; init; }

    /// <summary>The exception's message.</summary>
    public string? ExceptionMessage { get; init; }

    /// <summary>When the message first failed (UTC): the start of its retry window.</summary>
    public required DateTimeOffset FirstFailedAt { get; init; }

    /// <summary>When it was set aside (UTC).</summary>
    public required DateTimeOffset DeadAt { get; init; }

    /// <summary>Times it was sent back after being parked (0 when it failed for good at the first delivery).</summary>
    public required int Redeliveries { get; init; }

    /// <summary>Whether a replay can send it back (false when its body is not a message this queue consumes).</summary>
    public required bool Replayable { get; init; }

    /// <summary>Only on <c>GET .../dead-letters/{id}</c>: the stack trace where it failed.</summary>
    public string? StackTrace { get; init; }

    /// <summary>Only on <c>GET .../dead-letters/{id}</c>: the transport headers as received.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Only on <c>GET .../dead-letters/{id}</c>: the body as received (the MassTransit envelope, JSON), or <c>base64:</c> and its bytes when not text.</summary>
    public string? Body { get; init; }
}

/// <summary>One queue's dead letters (<c>GET /api/{service}/admin/dead-letters/queues</c>).</summary>
public sealed record DeadLetterQueueResponse
{
    /// <summary>The queue, e.g. <c>messaging-lead-assigned</c>.</summary>
    public required string Queue { get; init; }

    /// <summary>Dead letters kept for it.</summary>
    public required long Count { get; init; }
}

/// <summary>The answer of a replay or a purge of several dead letters.</summary>
public sealed record DeadLetterBatchResponse
{
    /// <summary>Dead letters replayed (sent back to their queue) or purged (deleted).</summary>
    public required int Done { get; init; }

    /// <summary>Dead letters a replay left alone because they cannot be replayed (purge them); their ids.</summary>
    public required IReadOnlyList<string> NotReplayable { get; init; }
}
