using Crm.Contracts.Api;
using Crm.Contracts.Api.Gateway;
using Crm.Gateway.Auth;
using Crm.Gateway.Limits;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Gateway.Keys;

/// <summary>
/// <c>/api/gateway/keys</c>, served by the gateway itself (never proxied), <c>gateway:admin</c> only: create a key
/// (the key is in the answer once, only its SHA-256 is kept), list, read, revoke, and rotate (a new key with the same
/// settings; the old one keeps working for the overlap). Every change records who made it (an <c>Actor</c> on the stored
/// key) and writes one line to the audit log (<see cref="KeyAudit"/>).
/// </summary>
public static class KeyEndpoints
{
    public const int NameMaxLength = 100;
    public const int MaxAllowedIps = 50;
    public const int DefaultOverlapMinutes = 60;
    public const int MaxOverlapMinutes = 7 * 24 * 60;

    public static WebApplication MapKeyEndpoints(this WebApplication app)
    {
        var keys = app.MapGroup("/api/gateway/keys")
            .RequireAuthorization(ApiKeyAuth.ScopedPolicy)
            .WithMetadata(new RequiredScope(GatewayService.Name, Access.Admin))
            .WithUnitOfWork();
        keys.MapPost("", CreateAsync)
            .WithName("CreateApiKey")
            .WithSummary("Create an API key")
            .WithDescription("A key for a system that integrates through the gateway. The answer holds the key itself, this once: only its SHA-256 is kept.")
            .WithRequestExample(new CreateApiKeyRequest { Name = "web-shop", Scopes = ["leads:write"], AllowedIps = ["203.0.113.0/24"], DailyQuota = 100_000 })
            .Produces<CreatedApiKeyResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        keys.MapGet("", ListAsync)
            .WithName("ListApiKeys")
            .WithSummary("List API keys")
            .WithDescription("The stored keys, oldest first: prefix, scopes, status and who created or revoked them; never the key or its hash.")
            .Produces<Page<ApiKeyResponse>>()
            .ProducesValidationProblem();
        keys.MapGet("/{id}", GetAsync)
            .WithName("GetApiKey")
            .WithSummary("Get an API key")
            .WithDescription("One stored key.")
            .WithParameterDescription("id", "The key's id.")
            .Produces<ApiKeyResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapDelete("/{id}", RevokeAsync)
            .WithName("RevokeApiKey")
            .WithSummary("Revoke an API key")
            .WithDescription("The key is refused at once by this gateway replica and within `Gateway:KeyCacheTtl` (10 s) by the others.")
            .WithParameterDescription("id", "The key's id.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapPost("/{id}/rotate", RotateAsync)
            .WithName("RotateApiKey")
            .WithSummary("Rotate an API key")
            .WithDescription("A new key with the same name, scopes and limits (shown this once); the old key keeps working for the overlap (default 60 minutes).")
            .WithParameterDescription("id", "The key's id.")
            .WithRequestExample(new RotateApiKeyRequest { OverlapMinutes = 60 })
            .Produces<CreatedApiKeyResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static IResult CreateAsync(CreateApiKeyRequest request, UnitOfWork unit, HttpContext http, KeyAudit audit)
    {
        var errors = new ValidationErrors();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > NameMaxLength || name.Any(char.IsControl))
        {
            errors.Add("name", $"Required, 1 to {NameMaxLength} characters without control characters.");
        }

        if (request.Scopes is null || request.Scopes.Count == 0)
        {
            errors.Add("scopes", "At least one scope, e.g. \"leads:write\" (scopes are <service>:read|write|admin).");
        }
        else if (request.Scopes.Where(s => !Scopes.IsKnown(s)).ToList() is { Count: > 0 } unknown)
        {
            errors.Add("scopes", $"Unknown scope(s): {string.Join(", ", unknown)}.");
        }

        if (request.ExpiresAt is { } expires && expires <= unit.Now)
        {
            errors.Add("expiresAt", "Must be in the future.");
        }

        var allowed = request.AllowedIps ?? [];
        if (allowed.Count > MaxAllowedIps)
        {
            errors.Add("allowedIps", $"At most {MaxAllowedIps} addresses or ranges.");
        }
        else if (allowed.Where(a => StoredApiKey.TryParseNetwork(a.Trim()) is null).ToList() is { Count: > 0 } bad)
        {
            errors.Add("allowedIps", $"Not an address or CIDR range: {string.Join(", ", bad)}.");
        }

        if (request.RateLimit is { } limit)
        {
            if (!(limit.PermitsPerSecond > 0) || double.IsInfinity(limit.PermitsPerSecond) || limit.PermitsPerSecond > 100_000)
            {
                errors.Add("rateLimit.permitsPerSecond", "Greater than 0, at most 100000.");
            }

            if (limit.Burst is < 1 or > 100_000)
            {
                errors.Add("rateLimit.burst", "1 to 100000.");
            }
        }

        if (request.DailyQuota is < 1)
        {
            errors.Add("dailyQuota", "At least 1, or null for no quota.");
        }

        errors.ThrowIfAny();

        var actor = http.Actor();
        var secret = StoredApiKey.NewKey();
        var stored = new StoredApiKey
        {
            Id = Ids.New(),
            Name = name!,
            Hash = ApiKeyRegistry.Sha256Hex(secret),
            Prefix = StoredApiKey.PrefixOf(secret),
            Scopes = [.. request.Scopes!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            CreatedAt = unit.Now,
            CreatedBy = actor.Name,
            CreatedByActor = actor,
            ExpiresAt = request.ExpiresAt,
            AllowedIps = [.. allowed.Select(a => a.Trim())],
            PermitsPerSecond = request.RateLimit?.PermitsPerSecond,
            Burst = request.RateLimit?.Burst,
            DailyQuota = request.DailyQuota,
        };
        unit.Insert(KeyCollections.Keys, stored);
        audit.Record("created", stored, actor, $"; scopes {string.Join(' ', stored.Scopes)}");
        return Results.Created($"/api/gateway/keys/{stored.Id}", new CreatedApiKeyResponse { Key = secret, ApiKey = stored.ToResponse(unit.Now) });
    }

    private static async Task<IResult> ListAsync(string? limit, string? cursor, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var query = Paging.StartAfter(KeyCollections.InCreationOrder(), cursor, errors);
        errors.ThrowIfAny();
        var page = await unit.Store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<ApiKeyResponse> { Items = [.. page.Items.Select(k => k.ToResponse(unit.Now))], NextCursor = page.NextCursor });
    }

    private static async Task<IResult> GetAsync(string id, UnitOfWork unit, CancellationToken cancellationToken) =>
        await unit.GetAsync(KeyCollections.Keys, id, cancellationToken) is { } key
            ? Results.Ok(key.ToResponse(unit.Now))
            : NotFound(id);

    private static async Task<IResult> RevokeAsync(string id, UnitOfWork unit, ApiKeyLookup lookup, HttpContext http, KeyAudit audit, CancellationToken cancellationToken)
    {
        var key = await unit.GetAsync(KeyCollections.Keys, id, cancellationToken);
        if (key is null)
        {
            return NotFound(id);
        }

        if (key.RevokedAt is null)
        {
            var actor = http.Actor();
            unit.Replace(KeyCollections.Keys, key with { RevokedAt = unit.Now, RevokedBy = actor.Name, RevokedByActor = actor, Version = key.Version + 1 }, key.Version);
            lookup.Forget(key.Hash);
            audit.Record("revoked", key, actor);
        }

        return Results.NoContent();
    }

    private static async Task<IResult> RotateAsync(string id, RotateApiKeyRequest? request, UnitOfWork unit, ApiKeyLookup lookup, HttpContext http, KeyAudit audit, CancellationToken cancellationToken)
    {
        var overlap = request?.OverlapMinutes ?? DefaultOverlapMinutes;
        if (overlap is < 0 or > MaxOverlapMinutes)
        {
            new ValidationErrors().Add("overlapMinutes", $"0 to {MaxOverlapMinutes} minutes.").ThrowIfAny();
        }

        var old = await unit.GetAsync(KeyCollections.Keys, id, cancellationToken);
        if (old is null)
        {
            return NotFound(id);
        }

        if (old.StatusAt(unit.Now) != "active")
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The key is not active.", detail: $"Key '{id}' is {old.StatusAt(unit.Now)}: create a new key instead.");
        }

        var actor = http.Actor();
        var secret = StoredApiKey.NewKey();
        var replacement = old with
        {
            Id = Ids.New(),
            Hash = ApiKeyRegistry.Sha256Hex(secret),
            Prefix = StoredApiKey.PrefixOf(secret),
            CreatedAt = unit.Now,
            CreatedBy = actor.Name,
            CreatedByActor = actor,
            RotatedFrom = old.Id,
            RotatedAt = null,
            RotatedByActor = null,
            Version = 1,
        };
        var oldUntil = unit.Now.AddMinutes(overlap);
        unit.Replace(KeyCollections.Keys, old with { ExpiresAt = old.ExpiresAt is { } e && e < oldUntil ? e : oldUntil, RotatedAt = unit.Now, RotatedByActor = actor, Version = old.Version + 1 }, old.Version);
        unit.Insert(KeyCollections.Keys, replacement);
        lookup.Forget(old.Hash);
        audit.Record("rotated", old, actor, $"; replaced by {replacement.Id}, the old key works until {oldUntil:O}");
        return Results.Created($"/api/gateway/keys/{replacement.Id}", new CreatedApiKeyResponse { Key = secret, ApiKey = replacement.ToResponse(unit.Now) });
    }

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "API key not found.", detail: $"There is no API key '{id}'.");
}
