using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The HTTP pipeline (<c>.WithUnitOfWork()</c>) on a real store of both backends: a successful handler's writes and
/// events are committed, an error answer commits nothing, a commit that meets a concurrent change runs the handler
/// again on fresh data, and a conflict on every attempt becomes a 409 ProblemDetails.
/// </summary>
public sealed class HttpUnitOfWorkTests
{
    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_successful_handlers_writes_and_events_are_committed(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var app = await StartAsync(store);

        var response = await app.Client.PostAsync(new Uri("/t/samples/s-1", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(await store.Store.GetAsync(Samples, "s-1"));
        Assert.Equal(["s-1"], (await store.PendingEventsAsync<LeadCaptured>()).Select(e => e.LeadId));
        Assert.True(await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_handler_that_answers_an_error_commits_nothing(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var app = await StartAsync(store);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.Client.PostAsync(new Uri("/t/samples/s-1/rejected", UriKind.Relative), null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.PostAsync(new Uri("/t/samples/s-2/not-found", UriKind.Relative), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Client.PostAsync(new Uri("/t/samples/s-3/status-code", UriKind.Relative), null)).StatusCode);
        var thrown = await app.Client.PostAsync(new Uri("/t/samples/s-4/throws", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.InternalServerError, thrown.StatusCode);
        Assert.Equal("application/problem+json", thrown.Content.Headers.ContentType?.MediaType);

        Assert.Equal(0, await store.Store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Empty(await store.PendingOutboxAsync());
        Assert.False(await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_commit_that_meets_a_concurrent_change_runs_the_handler_again_on_fresh_data(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var app = await StartAsync(store);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("counter")));

        var response = await app.Client.PostAsync(new Uri("/t/counters/counter/bump?conflicts=1", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Bumped(Attempt: 2, Count: 101), await response.Content.ReadFromJsonAsync<Bumped>());
        var counter = (await store.Store.GetAsync(Samples, "counter"))!;
        Assert.Equal((101, 3L), (counter.Count, counter.Version)); // the concurrent +100, then this request's +1
        Assert.Null(await store.Store.GetAsync(Samples, "counter-audit-1"));
        Assert.NotNull(await store.Store.GetAsync(Samples, "counter-audit-2"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_conflict_on_every_attempt_becomes_a_409_problem_and_commits_nothing(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var app = await StartAsync(store);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("counter")));

        var response = await app.Client.PostAsync(new Uri("/t/counters/counter/bump?conflicts=99", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Equal((409, "The resource was changed by another request."), (problem.Status, problem.Title));
        Assert.Equal(UnitOfWorkEndpointFilter.MaxAttempts, app.Services.GetRequiredService<Attempts>().Of("counter"));
        var counter = (await store.Store.GetAsync(Samples, "counter"))!;
        Assert.Equal((300, 4L), (counter.Count, counter.Version)); // only the three concurrent changes
        Assert.Equal(["counter"], (await store.Store.FindAsync(Samples.All())).Select(s => s.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_handlers_own_commit_that_meets_a_concurrent_change_first_runs_the_handler_again(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var app = await StartAsync(store);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("counter")));

        var response = await app.Client.PostAsync(new Uri("/t/counters/counter/commits-itself?conflicts=1", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, app.Services.GetRequiredService<Attempts>().Of("counter"));
        Assert.Equal(101, (await store.Store.GetAsync(Samples, "counter"))!.Count);
        Assert.Equal(["counter", "counter-after-2"], (await store.Store.FindAsync(Samples.All().OrderBy(x => x.Id))).Select(s => s.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_handler_that_committed_a_step_itself_is_not_run_again(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var app = await StartAsync(store);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("counter")));

        var response = await app.Client.PostAsync(new Uri("/t/counters/counter/two-steps", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(1, app.Services.GetRequiredService<Attempts>().Of("counter"));
        Assert.NotNull(await store.Store.GetAsync(Samples, "counter-step-1"));
        Assert.Equal(100, (await store.Store.GetAsync(Samples, "counter"))!.Count);
    }

    private static Task<TestWebApp> StartAsync(TestStore store) => TestWebApp.StartAsync(
        services => services
            .AddSingleton(store.Store)
            .AddSingleton(store.Signal)
            .AddSingleton<Attempts>()
            .AddScoped<UnitOfWork>(),
        app => MapTestEndpoints(app.MapGroup("/t").WithUnitOfWork()));

    private static void MapTestEndpoints(RouteGroupBuilder group)
    {
        group.MapPost("/samples/{id}", (string id, UnitOfWork unit) =>
        {
            Collect(unit, id);
            return TypedResults.Created($"/t/samples/{id}", new { id });
        });
        group.MapPost("/samples/{id}/rejected", (string id, UnitOfWork unit) =>
        {
            Collect(unit, id);
            return Results.Problem(title: "The sample is not valid.", statusCode: StatusCodes.Status422UnprocessableEntity);
        });
        group.MapPost("/samples/{id}/not-found", (string id, UnitOfWork unit) =>
        {
            Collect(unit, id);
            return Results.NotFound();
        });
        group.MapPost("/samples/{id}/status-code", (string id, UnitOfWork unit, HttpContext http) =>
        {
            Collect(unit, id);
            http.Response.StatusCode = StatusCodes.Status409Conflict;
            return "taken";
        });
        group.MapPost("/samples/{id}/throws", string (string id, UnitOfWork unit) =>
        {
            Collect(unit, id);
            throw new InvalidOperationException("the handler failed after collecting its writes");
        });

        // Reads the counter, lets a concurrent request change it on the first `conflicts` attempts, then writes over what it read.
        group.MapPost("/counters/{id}/bump", async (string id, int conflicts, UnitOfWork unit, Attempts attempts, CancellationToken cancellationToken) =>
        {
            var attempt = attempts.Next(id);
            var counter = (await unit.GetAsync(Samples, id, cancellationToken))!;
            if (attempt <= conflicts)
            {
                await ConcurrentChangeAsync(unit.Store, counter, cancellationToken);
            }

            unit.Replace(Samples, counter with { Count = counter.Count + 1, Version = counter.Version + 1 }, counter.Version);
            unit.Insert(Samples, Minimal($"{id}-audit-{attempt}"));
            return TypedResults.Ok(new Bumped(attempt, counter.Count + 1));
        });

        // Commits itself (to act on the outcome), then collects more for the filter's commit.
        group.MapPost("/counters/{id}/commits-itself", async (string id, int conflicts, UnitOfWork unit, Attempts attempts, CancellationToken cancellationToken) =>
        {
            var attempt = attempts.Next(id);
            var counter = (await unit.GetAsync(Samples, id, cancellationToken))!;
            if (attempt <= conflicts)
            {
                await ConcurrentChangeAsync(unit.Store, counter, cancellationToken);
            }

            unit.Replace(Samples, counter with { Count = counter.Count + 1, Version = counter.Version + 1 }, counter.Version);
            await unit.CommitAsync(cancellationToken);
            unit.Insert(Samples, Minimal($"{id}-after-{attempt}"));
            return TypedResults.Ok();
        });

        // Commits a first step itself, then meets a concurrent change: running it again would repeat the first step.
        group.MapPost("/counters/{id}/two-steps", async (string id, UnitOfWork unit, Attempts attempts, CancellationToken cancellationToken) =>
        {
            attempts.Next(id);
            unit.Insert(Samples, Minimal($"{id}-step-1"));
            await unit.CommitAsync(cancellationToken);
            var counter = (await unit.GetAsync(Samples, id, cancellationToken))!;
            await ConcurrentChangeAsync(unit.Store, counter, cancellationToken);
            unit.Replace(Samples, counter with { Count = counter.Count + 1, Version = counter.Version + 1 }, counter.Version);
            return TypedResults.Ok();
        });
    }

    private static void Collect(UnitOfWork unit, string id)
    {
        unit.Insert(Samples, Minimal(id));
        unit.Publish(Captured(id));
    }

    /// <summary>Another request changes the counter and commits first (straight to the store, not through this unit).</summary>
    private static async Task ConcurrentChangeAsync(IDocumentStore store, Sample counter, CancellationToken cancellationToken) =>
        await store.CommitAsync(Write.Replace(Samples, counter with { Count = counter.Count + 100, Version = counter.Version + 1 }, counter.Version), cancellationToken);

    public sealed record Bumped(int Attempt, int Count);

    /// <summary>How often each handler ran, per id.</summary>
    public sealed class Attempts
    {
        private readonly ConcurrentDictionary<string, int> _runs = new(StringComparer.Ordinal);

        public int Next(string id) => _runs.AddOrUpdate(id, 1, (_, n) => n + 1);

        public int Of(string id) => _runs.GetValueOrDefault(id);
    }
}
