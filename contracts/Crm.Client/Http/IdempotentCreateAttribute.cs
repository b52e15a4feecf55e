namespace Crm.Client.Http;

/// <summary>
/// Marks an <see cref="ICrmApi"/> method whose endpoint honours <c>Idempotency-Key</c>: when the caller passes no key,
/// <see cref="IdempotencyKeyHandler"/> generates one, so that the request may be retried safely (same key on every attempt).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class IdempotentCreateAttribute : Attribute;
