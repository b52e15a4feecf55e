using System.Security.Cryptography;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// The first response to a request that carried an <c>Idempotency-Key</c>, kept at least 24 h (collection
/// <c>idempotency</c>, id <c>{scope}:{key}</c>).
/// </summary>
public sealed record IdempotentResponse : IDocument
{
    public string Id => IdOf(Scope, Key);
    public long Version { get; init; } = 1;
    public required string Scope { get; init; }
    public required string Key { get; init; }
    /// <summary>SHA-256 of the request body: the same key with another body is a conflict.</summary>
    public required string RequestHash { get; init; }
    public required int StatusCode { get; init; }
    public string? Location { get; init; }
    public required string Body { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>
    /// The ids the kept response is about (a lead's id and its contact's): a GDPR erasure deletes the records about the
    /// person before their retention ends (<see cref="Http.IdempotentRequests.Forget"/>), since a response may hold
    /// personal data (a captured lead's name, e-mail, phone).
    /// </summary>
    public IReadOnlyList<string> Subjects { get; init; } = [];

    public static string IdOf(string scope, string key) => $"{scope}:{key}";

    public static string Hash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));
}
