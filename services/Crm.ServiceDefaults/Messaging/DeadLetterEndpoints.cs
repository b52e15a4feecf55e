using Crm.Contracts.Api;
using Crm.Contracts.Api.Operations;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>The service a process runs, as its messaging registered it (names its dead-letter routes).</summary>
public sealed record MessagingService(string Name);

/// <summary>
/// <c>/api/{service}/admin/dead-letters</c>, in every service that consumes messages, through the gateway
/// (<c>{service}:admin</c>): the dead letters per queue, one with its exception, headers and body, replay (back to
/// its queue with its MessageId: the consumer's inbox still drops what it applied before) and purge.
/// </summary>
public static class DeadLetterEndpoints
{
    /// <summary>Dead letters replayed or purged per transaction of a batch.</summary>
    public const int BatchSize = 100;

    public static void MapDeadLetterAdministration(this WebApplication app, string service)
    {
        var group = app.MapGroup($"/api/{service}/admin/dead-letters").RequireCrmAccess(service).WithTags("Dead letters");
        group.MapGet("/queues", QueuesAsync)
            .RequireAccess(Access.Admin)
            .WithName($"{Pascal(service)}DeadLetterQueues")
            .WithSummary("Dead letters per queue")
            .WithDescription("Every consumer queue of the service with how many dead letters it holds (messages its consumer could not apply, kept in the service's store).")
            .Produces<Page<DeadLetterQueueResponse>>();
        group.MapGet("/", ListAsync)
            .RequireAccess(Access.Admin)
            .WithName($"{Pascal(service)}ListDeadLetters")
            .WithSummary("List dead letters")
            .WithDescription("Dead letters by id, of one queue (`queue`) or all; without their stack trace, headers and body (read one for those).")
            .WithParameterDescription("queue", "Only this queue's dead letters, e.g. `messaging-lead-assigned`.")
            .Produces<Page<DeadLetterResponse>>()
            .ProducesValidationProblem();
        group.MapGet("/{id}", GetAsync)
            .RequireAccess(Access.Admin)
            .WithName($"{Pascal(service)}GetDeadLetter")
            .WithSummary("Read a dead letter")
            .WithDescription("The dead letter with its exception and stack trace, its transport headers and its body as received.")
            .WithParameterDescription("id", "The dead letter's id.")
            .Produces<DeadLetterResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/replay", ReplayOneAsync)
            .RequireAccess(Access.Admin)
            .WithName($"{Pascal(service)}ReplayDeadLetter")
            .WithSummary("Replay a dead letter")
            .WithDescription("Sends the message back to its queue at once, with its MessageId and a fresh retry window, and deletes the dead letter (in one transaction). 409 when it cannot be replayed (its body is not a message the queue consumes): purge it.")
            .WithParameterDescription("id", "The dead letter's id.")
            .Produces<DeadLetterBatchResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/replay", ReplayAllAsync)
            .RequireAccess(Access.Admin)
            .WithName($"{Pascal(service)}ReplayDeadLetters")
            .WithSummary("Replay dead letters")
            .WithDescription("Replays every dead letter of one queue (`queue`) or of all, in transactions of 100; those that cannot be replayed stay and are listed.")
            .WithParameterDescription("queue", "Only this queue's dead letters.")
            .Produces<DeadLetterBatchResponse>(StatusCodes.Status202Accepted);
        group.MapDelete("/{id}", PurgeOneAsync)
            .RequireAccess(Access.Admin)
            .WithName($"{Pascal(service)}PurgeDeadLetter")
            .WithSummary("Purge a dead letter")
            .WithDescription("Deletes the dead letter: the message is dropped for good.")
            .WithParameterDescription("id", "The dead letter's id.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/", PurgeQueueAsync)
            .RequireAccess(Access.Admin)
            .WithName($"{Pascal(service)}PurgeDeadLetters")
            .WithSummary("Purge a queue's dead letters")
            .WithDescription("Deletes every dead letter of the queue `queue` (required): its messages are dropped for good.")
            .WithParameterDescription("queue", "The queue whose dead letters are deleted.")
            .Produces<DeadLetterBatchResponse>()
            .ProducesValidationProblem();
    }

    private static async Task<IResult> QueuesAsync(IDocumentStore store, DeadLetterKeeper keeper, CancellationToken cancellationToken)
    {
        var items = new List<DeadLetterQueueResponse>();
        foreach (var queue in keeper.Queues.Order(StringComparer.Ordinal))
        {
            items.Add(new DeadLetterQueueResponse { Queue = queue, Count = await store.CountAsync(PlatformQueries.DeadLetters(queue), cancellationToken) });
        }

        return Results.Ok(new Page<DeadLetterQueueResponse> { Items = items });
    }

    private static async Task<IResult> ListAsync(
        [FromQuery] string? queue, [FromQuery] string? limit, [FromQuery] string? cursor, IDocumentStore store, DeadLetterKeeper keeper, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var query = Paging.StartAfter(PlatformQueries.DeadLetters(Given(queue)), cursor, errors);
        errors.ThrowIfAny();

        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<DeadLetterResponse> { Items = page.Items.Select(d => keeper.ToResponse(d, full: false)).ToList(), NextCursor = page.NextCursor });
    }

    private static async Task<IResult> GetAsync(string id, IDocumentStore store, DeadLetterKeeper keeper, CancellationToken cancellationToken) =>
        await store.GetAsync(PlatformCollections.DeadLetters, id, cancellationToken) is { } record
            ? Results.Ok(keeper.ToResponse(record, full: true))
            : NotFound(id);

    private static async Task<IResult> ReplayOneAsync(string id, UnitOfWork unit, DeadLetterKeeper keeper, CancellationToken cancellationToken)
    {
        if (await unit.GetAsync(PlatformCollections.DeadLetters, id, cancellationToken) is not { } record)
        {
            return NotFound(id);
        }

        if (!keeper.Replay(unit, record))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The dead letter cannot be replayed.",
                detail: $"Dead letter '{id}' is not a message its queue consumes (its body could not be read, or it names no type the service knows): purge it.");
        }

        await unit.CommitAsync(cancellationToken);
        return Results.Accepted(value: new DeadLetterBatchResponse { Done = 1, NotReplayable = [] });
    }

    private static async Task<IResult> ReplayAllAsync([FromQuery] string? queue, UnitOfWork unit, DeadLetterKeeper keeper, CancellationToken cancellationToken)
    {
        var replayed = 0;
        var notReplayable = new List<string>();
        var query = PlatformQueries.DeadLetters(Given(queue));
        while (true)
        {
            var batch = await unit.FindAsync(query.Take(BatchSize), cancellationToken);
            foreach (var record in batch)
            {
                if (keeper.Replay(unit, record))
                {
                    replayed++;
                }
                else
                {
                    notReplayable.Add(record.Id);
                }
            }

            await unit.CommitAsync(cancellationToken);
            if (batch.Count < BatchSize)
            {
                break;
            }

            query = query.StartAfter(batch[^1]);
        }

        return Results.Accepted(value: new DeadLetterBatchResponse { Done = replayed, NotReplayable = notReplayable });
    }

    private static async Task<IResult> PurgeOneAsync(string id, IDocumentStore store, CancellationToken cancellationToken)
    {
        var deleted = await store.CommitAsync(Write.Delete(PlatformCollections.DeadLetters, Filter<DeadLetterRecord>.Eq(x => x.Id, id)), cancellationToken);
        return deleted[0] == 0 ? NotFound(id) : Results.NoContent();
    }

    private static async Task<IResult> PurgeQueueAsync([FromQuery] string? queue, IDocumentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (Given(queue) is null)
        {
            errors.Add("queue", "Name the queue whose dead letters are purged (GET .../dead-letters/queues lists them).");
        }

        errors.ThrowIfAny();
        var deleted = await store.CommitAsync(Write.Delete(PlatformCollections.DeadLetters, PlatformQueries.DeadLetters(queue).Filter), cancellationToken);
        return Results.Ok(new DeadLetterBatchResponse { Done = (int)deleted[0], NotReplayable = [] });
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such dead letter.", detail: $"There is no dead letter '{id}'.");

    private static string Pascal(string service) => char.ToUpperInvariant(service[0]) + service[1..];
}
