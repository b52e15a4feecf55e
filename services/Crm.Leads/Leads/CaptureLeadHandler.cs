using System.Text.Json;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Audit;
using Crm.Leads.Contacts;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.Leads.Leads;

/// <summary>
/// <c>POST /api/leads</c>: idempotency key check, validation, contact resolution over gRPC, scoring, and one
/// transaction that stores the lead (with who captured it), its two events and the idempotent response.
/// </summary>
public sealed class CaptureLeadHandler(
    IContactDirectory contacts,
    ContactsOutage outage,
    UnitOfWork unit,
    IOptions<ScoringOptions> scoring,
    IOptions<HttpJsonOptions> json,
    TimeProvider time)
{
    /// <summary>Idempotency keys are the caller's own: two integrations may both send order number 1001.</summary>
    public const string IdempotencyScope = "leads:capture";
    public const string IdempotencyHeader = "Idempotency-Key";
    public const int MaxIdempotencyKey = 200;
    public const int MaxBodyBytes = 1024 * 1024;

    private JsonSerializerOptions JsonOptions => json.Value.SerializerOptions;

    public async Task<IResult> HandleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var key = IdempotencyKey(request);
        var scope = IdempotencyScopeOf(context);
        if (!request.HasJsonContentType())
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be JSON.", detail: "Send Content-Type: application/json.");
        }

        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The body is too large.", detail: $"At most {MaxBodyBytes} bytes.");
        }

        var hash = IdempotentResponse.Hash(body);
        if (key is not null && await KeptResponseAsync(scope, key, cancellationToken) is { } earlier)
        {
            return Replay(earlier, hash);
        }

        var capture = Deserialize(body);
        CaptureLeadValidation.Validate(capture).ThrowIfAny();

        // Contacts down must not bounce a valid lead: it is stored with its identities as captured and answered 202;
        // ResolvePendingContact resolves, scores and announces it when Contacts answers again.
        var lead = NewLead(capture, context.Actor(), time.UtcNowMs());
        try
        {
            lead = lead.WithContact(
                await contacts.ResolveAsync(lead.Name, lead.Email, lead.Phone, cancellationToken),
                scoring.Value);
            ResolvePendingContact.AfterContactsAnswered(unit, outage);
        }
        catch (ContactIdentityException ex)
        {
            throw new RequestValidationException(ex.Field, ex.Reason);
        }
        catch (ContactsUnavailableException)
        {
            ResolvePendingContact.Schedule(unit, lead.Id, attempt: 0);
        }

        var status = lead.ContactPending ? StatusCodes.Status202Accepted : StatusCodes.Status201Created;
        var response = lead.ToResponse();
        var location = LeadMapping.Location(lead.Id);
        var record = key is null ? null : new IdempotentResponse
        {
            Scope = scope,
            Key = key,
            RequestHash = hash,
            StatusCode = status,
            Location = location,
            Body = JsonSerializer.Serialize(response, JsonOptions),
            CreatedAt = lead.CapturedAt,
        };

        unit.Insert(LeadCollections.Leads, lead);
        if (!lead.ContactPending)
        {
            foreach (var message in lead.CaptureEvents())
            {
                unit.Publish(message);
            }
        }

        if (record is not null)
        {
            unit.RecordIdempotentResponse(record);
        }

        try
        {
            await unit.CommitAsync(cancellationToken);
        }
        catch (DuplicateKeyException ex) when (ex.Collection == PlatformCollections.Idempotency.Name)
        {
            // A concurrent request with the same key committed first: answer as it did.
            var winner = await KeptResponseAsync(scope, key!, cancellationToken)
                ?? throw new InvalidOperationException($"Idempotency key '{key}' is taken but has no stored response.");
            return Replay(winner, hash);
        }

        return record is not null ? new StoredResponseResult(record, replayed: false)
            : lead.ContactPending ? Results.Accepted(location, response)
            : Results.Created(location, response);
    }

    /// <summary>The lead as captured, its contact still to be resolved (identities trimmed, scored on them).</summary>
    private Lead NewLead(CaptureLeadRequest capture, Actor capturedBy, DateTimeOffset now)
    {
        var lead = new Lead
        {
            Id = Ids.New(),
            ContactPending = true,
            Name = CaptureLeadValidation.Trimmed(capture.Name),
            Email = CaptureLeadValidation.Trimmed(capture.Email),
            Phone = CaptureLeadValidation.Trimmed(capture.Phone),
            Source = CaptureLeadValidation.Trimmed(capture.Source)!,
            Channel = capture.Channel!.Value,
            PagesVisited = capture.PagesVisited,
            LastInteractionAt = capture.LastInteractionAt?.TruncateToMs(),
            Fields = capture.Fields is null ? new Dictionary<string, string>() : new Dictionary<string, string>(capture.Fields, StringComparer.Ordinal),
            Score = 0,
            Grade = Grade.Cold,
            CapturedAt = now,
            CapturedBy = capturedBy,
            Version = 1,
        };
        return lead.Scored(scoring.Value);
    }

    private Task<IdempotentResponse?> KeptResponseAsync(string scope, string key, CancellationToken cancellationToken) =>
        unit.GetAsync(PlatformCollections.Idempotency, IdempotentResponse.IdOf(scope, key), cancellationToken);

    private static string IdempotencyScopeOf(HttpContext context) =>
        context.Caller() is { } caller ? $"{IdempotencyScope}:{caller.Kind}:{caller.Subject}" : IdempotencyScope;

    private static IResult Replay(IdempotentResponse earlier, string hash) =>
        string.Equals(earlier.RequestHash, hash, StringComparison.Ordinal)
            ? new StoredResponseResult(earlier, replayed: true)
            : Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The idempotency key was used with another request.",
                detail: "A request with this Idempotency-Key and a different body was processed before. Use a new key for a new request.");

    private static string? IdempotencyKey(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(IdempotencyHeader, out var values))
        {
            return null;
        }

        var key = values.ToString();
        if (values.Count != 1 || string.IsNullOrWhiteSpace(key) || key.Length > MaxIdempotencyKey)
        {
            throw new RequestValidationException(IdempotencyHeader, $"One key of 1 to {MaxIdempotencyKey} characters.");
        }

        return key;
    }

    /// <summary>The raw body (hashed for idempotency); null when it exceeds <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private CaptureLeadRequest Deserialize(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize<CaptureLeadRequest>(body, JsonOptions)
                ?? throw new RequestValidationException("$", "A JSON object is required.");
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException("The request body is invalid.", StatusCodes.Status400BadRequest, ex);
        }
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
