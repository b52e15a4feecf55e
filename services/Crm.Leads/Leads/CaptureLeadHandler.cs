using System.Text.Json;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Contacts;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.Leads.Leads;

/// <summary>
/// <c>POST /api/leads</c> and <c>POST /api/leads/batch</c>: the HTTP around <see cref="LeadCapture"/> (content type,
/// size, <c>Idempotency-Key</c>, the commit). One lead commits its writes, its events and the idempotent response
/// in one unit of work; a batch commits each item on its own (a result per item, never all-or-nothing).
/// </summary>
public sealed class CaptureLeadHandler(
    LeadCapture capture,
    UnitOfWork unit,
    IServiceScopeFactory scopes,
    IOptions<HttpJsonOptions> json)
{
    /// <summary>Idempotency keys are the caller's own: two integrations may both send order number 1001.</summary>
    public const string IdempotencyScope = "leads:capture";
    public const string BatchIdempotencyScope = "leads:capture-batch";
    public const string IdempotencyHeader = IdempotentRequests.Header;
    public const int MaxIdempotencyKey = IdempotentRequests.MaxKey;
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxBatchBodyBytes = 8 * 1024 * 1024;
    public const int MaxBatch = 1000;

    /// <summary>Items of a batch captured at once (each in its own unit of work): Contacts' answers overlap.</summary>
    public const int BatchConcurrency = 8;

    private JsonSerializerOptions JsonOptions => json.Value.SerializerOptions;

    public async Task<IResult> HandleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync(context, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var key = IdempotentRequests.KeyOf(context.Request);
        var scope = IdempotentRequests.ScopeOf(context, IdempotencyScope);
        var hash = IdempotentResponse.Hash(body!);
        if (key is not null && await IdempotentRequests.KeptAsync(unit, scope, key, cancellationToken) is { } earlier)
        {
            return IdempotentRequests.Replay(earlier, hash);
        }

        var request = Deserialize<CaptureLeadRequest>(body!) ?? throw new RequestValidationException("$", "A JSON object is required.");
        var prepared = await capture.PrepareAsync(request, context.Actor(), unit, cancellationToken);
        if (prepared.Errors is not null)
        {
            throw new RequestValidationException(prepared.Errors);
        }

        for (var attempt = 1; ; attempt++)
        {
            unit.Discard();
            var outcome = await capture.ApplyAsync(prepared, unit, cancellationToken);
            var lead = outcome.Lead!;
            var location = LeadMapping.Location(lead.Id);
            var response = lead.ToResponse();
            var record = key is null ? null : IdempotentRequests.Record(scope, key, hash, outcome.Status, location, response, JsonOptions, unit.Now, [lead.Id, lead.ContactId]);
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
                var winner = await IdempotentRequests.KeptAsync(unit, scope, key!, cancellationToken)
                    ?? throw new InvalidOperationException($"Idempotency key '{key}' is taken but has no stored response.");
                return IdempotentRequests.Replay(winner, hash);
            }
            catch (Exception ex) when (attempt < 3 && ex is ConcurrencyException || (ex is DuplicateKeyException duplicate && LeadCapture.IsOpenLeadRace(duplicate)))
            {
                // A concurrent capture of the same contact opened its lead first (or changed it): capture again.
                continue;
            }

            return record is not null ? new StoredResponseResult(record, replayed: false) : Answer(outcome.Status, location, response);
        }
    }

    public async Task<IResult> HandleBatchAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync(context, MaxBatchBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var key = IdempotentRequests.KeyOf(context.Request);
        var scope = IdempotentRequests.ScopeOf(context, BatchIdempotencyScope);
        var hash = IdempotentResponse.Hash(body!);
        if (key is not null && await IdempotentRequests.KeptAsync(unit, scope, key, cancellationToken) is { } earlier)
        {
            return IdempotentRequests.Replay(earlier, hash);
        }

        var items = ParseBatch(body!);
        var actor = context.Actor();

        // Validation and Contacts' answers for every item at once; then the writes one item after the other, in order,
        // each in its own commit (so an item for a person an earlier item opened a lead for is recorded on that lead).
        var prepared = new PreparedItem[items.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = BatchConcurrency, CancellationToken = cancellationToken },
            async (index, token) => prepared[index] = await PrepareItemAsync(items[index], actor, token));
        var results = new BatchItemResult[items.Count];
        for (var index = 0; index < items.Count; index++)
        {
            results[index] = await ApplyItemAsync(index, prepared[index], cancellationToken);
        }

        var response = new BatchCaptureResponse { Results = results };
        if (key is not null)
        {
            unit.Discard();
            unit.RecordIdempotentResponse(IdempotentRequests.Record(scope, key, hash, StatusCodes.Status200OK, null, response, JsonOptions, unit.Now, results.Select(r => r.Id)));
            try
            {
                await unit.CommitAsync(cancellationToken);
            }
            catch (DuplicateKeyException ex) when (ex.Collection == PlatformCollections.Idempotency.Name)
            {
                // The same batch ran twice at once: each item was captured once all the same (one open lead per contact).
            }
        }

        return Results.Ok(response);
    }

    private sealed record PreparedItem(PreparedCapture? Capture, IDictionary<string, string[]>? Errors);

    private async Task<PreparedItem> PrepareItemAsync(JsonElement item, Crm.Contracts.Audit.Actor actor, CancellationToken cancellationToken)
    {
        CaptureLeadRequest request;
        try
        {
            request = item.ValueKind == JsonValueKind.Object
                ? item.Deserialize<CaptureLeadRequest>(JsonOptions)!
                : throw new JsonException("An item must be a JSON object.");
        }
        catch (JsonException ex)
        {
            var (field, reason, _) = CrmJsonErrors.Describe(ex);
            return new PreparedItem(null, new Dictionary<string, string[]> { [field] = [reason] });
        }

        await using var scope = scopes.CreateAsyncScope();
        var prepared = await scope.ServiceProvider.GetRequiredService<LeadCapture>()
            .PrepareAsync(request, actor, scope.ServiceProvider.GetRequiredService<UnitOfWork>(), cancellationToken);
        return new PreparedItem(prepared, prepared.Errors);
    }

    private async Task<BatchItemResult> ApplyItemAsync(int index, PreparedItem item, CancellationToken cancellationToken)
    {
        if (item.Errors is not null)
        {
            return new BatchItemResult { Index = index, Status = StatusCodes.Status400BadRequest, Errors = item.Errors };
        }

        for (var attempt = 1; ; attempt++)
        {
            unit.Discard();
            var outcome = await capture.ApplyAsync(item.Capture!, unit, cancellationToken);
            try
            {
                await unit.CommitAsync(cancellationToken);
            }
            catch (Exception ex) when (attempt < 3 && (ex is ConcurrencyException || (ex is DuplicateKeyException duplicate && LeadCapture.IsOpenLeadRace(duplicate))))
            {
                continue;
            }

            return new BatchItemResult { Index = index, Status = outcome.Status, Id = outcome.Lead!.Id, Location = LeadMapping.Location(outcome.Lead.Id) };
        }
    }

    private static List<JsonElement> ParseBatch(byte[] body)
    {
        JsonElement root;
        try
        {
            root = JsonSerializer.Deserialize<JsonElement>(body);
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException("The request body is invalid.", StatusCodes.Status400BadRequest, ex);
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new RequestValidationException("items", "An object with an array 'items' of leads is required.");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Name != "items")
            {
                throw new RequestValidationException(property.Name, "Unknown field: it is not part of this resource.");
            }
        }

        var count = items.GetArrayLength();
        if (count is 0 or > MaxBatch)
        {
            throw new RequestValidationException("items", $"1 to {MaxBatch} leads per batch.");
        }

        return [.. items.EnumerateArray()];
    }

    private static IResult Answer(int status, string location, LeadResponse response) => status switch
    {
        StatusCodes.Status201Created => Results.Created(location, response),
        StatusCodes.Status202Accepted => Results.Accepted(location, response),
        _ => new LocatedOk(location, response),
    };

    private static async Task<(byte[]? Body, IResult? Problem)> ReadAsync(HttpContext context, int maxBytes, CancellationToken cancellationToken)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be JSON.", detail: "Send Content-Type: application/json."));
        }

        var body = await IdempotentRequests.ReadBodyAsync(context.Request, maxBytes, cancellationToken);
        return body is null
            ? (null, Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The body is too large.", detail: $"At most {maxBytes} bytes."))
            : (body, null);
    }

    private T? Deserialize<T>(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException("The request body is invalid.", StatusCodes.Status400BadRequest, ex);
        }
    }

    /// <summary>200 with <c>Location</c> (a repeat capture: the contact's open lead).</summary>
    private sealed class LocatedOk(string location, LeadResponse response) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return Results.Ok(response).ExecuteAsync(httpContext);
        }
    }
}
