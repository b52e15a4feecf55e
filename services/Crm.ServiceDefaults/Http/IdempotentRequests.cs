using System.Text.Json;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Http;

namespace Crm.ServiceDefaults.Http;

/// <summary>
/// <c>Idempotency-Key</c> for POSTs that create (API.md): a retry with the same key and body gets the first response
/// verbatim (<c>Idempotent-Replayed: true</c>), the same key with another body a 409. Keys are the caller's own (the
/// scope includes who calls). The handler reads the raw body (<see cref="ReadBodyAsync"/>), asks
/// <see cref="KeptAsync"/> first, and records its response in the unit of work that commits the creation.
/// </summary>
public static class IdempotentRequests
{
    public const string Header = "Idempotency-Key";
    public const int MaxKey = 200;

    /// <summary>The request's key, null when none; a 400 when it is blank, repeated or too long.</summary>
    public static string? KeyOf(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Header, out var values))
        {
            return null;
        }

        var key = values.ToString();
        if (values.Count != 1 || string.IsNullOrWhiteSpace(key) || key.Length > MaxKey)
        {
            throw new RequestValidationException(Header, $"One key of 1 to {MaxKey} characters.");
        }

        return key;
    }

    /// <summary><paramref name="operation"/> (e.g. <c>leads:capture</c>) scoped to the caller, so two integrations' keys never collide.</summary>
    public static string ScopeOf(HttpContext context, string operation) =>
        context.Caller() is { } caller ? $"{operation}:{caller.Kind}:{caller.Subject}" : operation;

    public static Task<IdempotentResponse?> KeptAsync(UnitOfWork unit, string scope, string key, CancellationToken cancellationToken) =>
        unit.GetAsync(PlatformCollections.Idempotency, IdempotentResponse.IdOf(scope, key), cancellationToken);

    /// <summary>The kept response again, or a 409 when the body differs.</summary>
    public static IResult Replay(IdempotentResponse earlier, string hash) =>
        string.Equals(earlier.RequestHash, hash, StringComparison.Ordinal)
            ? new StoredResponseResult(earlier, replayed: true)
            : Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The idempotency key was used with another request.",
                detail: "A request with this Idempotency-Key and a different body was processed before. Use a new key for a new request.");

    /// <summary>The record of a first response, to commit with what the request created; <paramref name="subjects"/>: the ids it is about (see <see cref="IdempotentResponse.Subjects"/>).</summary>
    public static IdempotentResponse Record(string scope, string key, string hash, int status, string? location, object body, JsonSerializerOptions json, DateTimeOffset now, IEnumerable<string?>? subjects = null) => new()
    {
        Subjects = [.. (subjects ?? []).OfType<string>().Where(s => s.Length > 0).Distinct(StringComparer.Ordinal)],
        Scope = scope,
        Key = key,
        RequestHash = hash,
        StatusCode = status,
        Location = location,
        Body = JsonSerializer.Serialize(body, body.GetType(), json),
        CreatedAt = now,
    };

    /// <summary>Deletes, in the unit, every kept response about one of <paramref name="subjects"/> (a GDPR erasure: the responses may hold the person's data).</summary>
    public static void Forget(UnitOfWork unit, IEnumerable<string> subjects)
    {
        var ids = subjects.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count > 0)
        {
            unit.Add(PlatformQueries.ForgetIdempotentResponses(ids));
        }
    }

    /// <summary>The raw body (hashed for idempotency); null when it exceeds <paramref name="maxBytes"/> (a 413).</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>An idempotent response as it was first given: status, Location and body verbatim.</summary>
public sealed class StoredResponseResult(IdempotentResponse response, bool replayed) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = response.StatusCode;
        if (response.Location is not null)
        {
            httpContext.Response.Headers.Location = response.Location;
        }

        if (replayed)
        {
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        httpContext.Response.ContentType = "application/json; charset=utf-8";
        await httpContext.Response.WriteAsync(response.Body, httpContext.RequestAborted);
    }
}
