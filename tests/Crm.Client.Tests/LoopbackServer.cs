using System.Collections.Concurrent;
using System.Net;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Crm.Client.Tests;

/// <summary>A request as the server saw it.</summary>
public sealed record SeenRequest(int Attempt, string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real Kestrel server on a free loopback port that records every request, then answers it with
/// <c>respond(context, request)</c> (the request's <see cref="SeenRequest.Attempt"/> counts from 1).
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SeenRequest> _seen = new();
    private int _count;

    private LoopbackServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Every request received so far, in arrival order. A request is recorded before it is answered.</summary>
    public IReadOnlyList<SeenRequest> Seen => [.. _seen];

    public static async Task<LoopbackServer> StartAsync(Func<HttpContext, SeenRequest, Task> respond)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new LoopbackServer(app, new Uri($"http://127.0.0.1:{port}/"));
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var seen = new SeenRequest(
                Interlocked.Increment(ref server._count),
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body);
            server._seen.Enqueue(seen);
            await respond(context, seen);
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Answers of the fake gateway.</summary>
public static class Answer
{
    public static Task Json(HttpContext context, int status, string json, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(json);
    }

    public static Task Problem(HttpContext context, int status, string title, string? retryAfter = null)
    {
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        return Json(context, status, $$"""{"type":"about:blank","title":"{{title}}","status":{{status}}}""", "application/problem+json");
    }

    /// <summary>Drops the connection without an answer (the client sees a transport failure).</summary>
    public static Task Drop(HttpContext context)
    {
        context.Abort();
        return Task.CompletedTask;
    }

    public static string Lead(string id = "lead-1") => $$"""
        {"id":"{{id}}","contactId":"contact-1","name":"Ada","email":"ada@example.com","source":"web-form","channel":"web",
         "pagesVisited":0,"fields":{},"score":40,"grade":"warm","scoreBreakdown":[],"capturedAt":"2026-11-29T10:00:00Z","version":1}
        """;

    public static string Rep(string id = "rep-1") =>
        $$"""{"id":"{{id}}","name":"Rita","capacity":5,"active":true,"openLeads":0,"createdAt":"2026-11-29T10:00:00Z","version":2}""";

    public static string EmptyPage => """{"items":[],"nextCursor":null}""";
}
