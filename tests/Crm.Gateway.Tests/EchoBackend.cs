using System.Collections.Concurrent;
using System.Net;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Tests;

/// <summary>What the backend saw of one request (and echoes back as JSON).</summary>
public sealed record SeenRequest
{
    public string Method { get; init; } = "";
    public string Path { get; init; } = "";
    public string Query { get; init; } = "";
    public string? RequestId { get; init; }
    /// <summary>The Authorization header the backend got (the gateway's signed identity, never the caller's key).</summary>
    public string? Authorization { get; init; }
    /// <summary>The caller named by a valid signed identity (verified with the test gateway's public key), else null.</summary>
    public string? Caller { get; init; }
    /// <summary>The scopes of that identity, space-separated and sorted.</summary>
    public string? CallerScopes { get; init; }
    /// <summary>The identity's kind (key or person), and a person's role, rep and team.</summary>
    public string? CallerKind { get; init; }
    public string? CallerRole { get; init; }
    public string? CallerRep { get; init; }
    public string? CallerTeam { get; init; }
    public string? CallerName { get; init; }
    /// <summary>The stored API key's id (keys created through <c>/api/gateway/keys</c>), for audit fields.</summary>
    public string? CallerKeyId { get; init; }
    public long BodyBytes { get; init; }
}

/// <summary>
/// A real HTTP server on a free loopback port standing in for every service: records and echoes each request,
/// echoes X-Request-Id like the services do, answers late when asked (<c>?delayMs=</c>), and serves /health/ready (200)
/// and /health/down (503).
/// </summary>
public sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoBackend(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public bool Saw(string path) => Requests.Any(r => r.Path == path);

    private static readonly Lazy<InternalIdentityValidator> Validator = new(() => new InternalIdentityValidator(
        Options.Create(new InternalIdentityOptions { PublicKeyPem = TestIdentity.PublicKeyPem }),
        TimeProvider.System));

    public static async Task<EchoBackend> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            // Takes what the gateway forwards (upload routes go above Kestrel's 30 MB default, as the services allow them).
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var backend = new EchoBackend(app, new Uri($"http://127.0.0.1:{port}/"));

        app.MapGet("/health/ready", (HttpContext context) =>
        {
            backend.Requests.Enqueue(new SeenRequest { Method = context.Request.Method, Path = context.Request.Path.Value ?? "" });
            return Results.Ok(new { status = "Healthy" });
        });
        app.MapGet("/health/down", (HttpContext context) =>
        {
            backend.Requests.Enqueue(new SeenRequest { Method = context.Request.Method, Path = context.Request.Path.Value ?? "" });
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        app.Map("/{**path}", async (HttpContext context) =>
        {
            var bytes = 0L;
            var buffer = new byte[8192];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                bytes += read;
            }

            // A slow service: ?delayMs=N answers N ms later (or never, when the gateway gives up first and cancels).
            if (int.TryParse(context.Request.Query["delayMs"], out var delayMs))
            {
                await Task.Delay(delayMs, context.RequestAborted);
            }

            var requestId = context.Request.Headers["X-Request-Id"].ToString();
            var authorization = context.Request.Headers.Authorization.ToString();
            var (caller, _) = authorization.StartsWith("Bearer ", StringComparison.Ordinal)
                ? await Validator.Value.ValidateAsync(authorization["Bearer ".Length..])
                : (null, null);
            var seen = new SeenRequest
            {
                Method = context.Request.Method,
                Path = context.Request.Path.Value ?? "",
                Query = context.Request.QueryString.Value ?? "",
                RequestId = requestId.Length == 0 ? null : requestId,
                Authorization = authorization.Length == 0 ? null : authorization,
                Caller = caller?.Subject,
                CallerScopes = caller is null ? null : string.Join(' ', caller.Scopes.Order(StringComparer.Ordinal)),
                CallerKind = caller?.Kind,
                CallerRole = caller?.Role,
                CallerRep = caller?.RepId,
                CallerTeam = caller?.TeamId,
                CallerName = caller?.Name,
                CallerKeyId = caller?.KeyId,
                BodyBytes = bytes,
            };
            backend.Requests.Enqueue(seen);
            if (requestId.Length > 0)
            {
                context.Response.Headers["X-Request-Id"] = requestId;
            }

            return Results.Json(seen);
        });

        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
