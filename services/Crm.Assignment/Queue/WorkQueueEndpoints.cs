using Crm.Assignment.Assignments;
using Crm.Assignment.Notifications;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Queue;

/// <summary>
/// A rep's work queue and notifications: <c>/api/assignment/reps/{id}/queue</c> and <c>…/notifications</c>. A rep sees
/// their own (another rep's is 404), a team lead their team's, a manager or admin anyone's.
/// </summary>
public static class WorkQueueEndpoints
{
    public const int MaxQueue = 500;

    public static RouteGroupBuilder MapWorkQueueEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/reps/{id}/queue", QueueAsync)
            .WithName("GetWorkQueue")
            .WithSummary("A rep's work queue")
            .WithDescription(
                "The next best actions, computed, not chosen: hot leads not yet contacted, then breached SLAs, then SLAs at risk, " +
                "then actions due today, then by score and age. `dueToday` counts the actions due by the rep's local midnight " +
                "(the daily task list). Completing an item is recording the activity on the lead (`completeWith`), which stops " +
                "or restarts its SLA clock.")
            .WithParameterDescription("id", "The rep's id.")
            .WithParameterDescription("limit", "At most this many items (default 50, at most 500).")
            .WithParameterDescription("due", "`today`: only the actions due by the rep's local midnight (the daily task list).")
            .Produces<WorkQueueResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/reps/{id}/notifications", NotificationsAsync)
            .WithName("ListNotifications")
            .WithSummary("A rep's notifications")
            .WithDescription("Newest first: new hot leads, SLA warnings and breaches, reassignments, escalations. `unread=true` lists only the unread ones.")
            .WithParameterDescription("id", "The rep's id.")
            .Produces<Page<NotificationResponse>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/reps/{id}/notifications/{notificationId}/read", MarkReadAsync)
            .RequireAccess(Access.Write)
            .WithName("MarkNotificationRead")
            .WithSummary("Mark a notification read")
            .WithDescription("Idempotent: a notification already read keeps its first `readAt`.")
            .WithParameterDescription("id", "The rep's id.")
            .WithParameterDescription("notificationId", "The notification's id.")
            .Produces<NotificationResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> QueueAsync(string id, [FromQuery] string? limit, [FromQuery] string? due, IDocumentStore store, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        if (due is not null && due != "today")
        {
            errors.Add("due", "Only 'today' (the actions due by the rep's local midnight: the daily task list).");
        }

        errors.ThrowIfAny();
        var rep = await store.GetAsync(AssignmentCollections.Reps, id, cancellationToken);
        if (rep?.OwnedBy(http) != true)
        {
            return NotFound(id);
        }

        var now = clock.GetUtcNow();
        var open = await store.FindAsync(AssignmentQueries.AssignedTo(id), cancellationToken);
        var endOfDay = WorkQueue.EndOfDay(now, rep.WorkingHours?.TimeZone);
        var ordered = WorkQueue.Order(open, now, endOfDay);
        var today = ordered.Where(i => WorkQueue.DueBy(i.Lead, endOfDay)).ToList();
        var items = due is null ? ordered : today;
        return Results.Ok(new WorkQueueResponse
        {
            RepId = id,
            DueToday = today.Count,
            Items = [.. items.Take(Math.Min(take, MaxQueue)).Select((item, index) => new WorkItemResponse
            {
                Rank = index + 1,
                LeadId = item.Lead.Id,
                ContactId = item.Lead.ContactId,
                Action = item.Action,
                Grade = item.Lead.Grade,
                Score = item.Lead.Score,
                DueAt = item.Lead.Sla?.BreachAt,
                SlaStatus = item.SlaStatus,
                Why = item.Why,
                CompleteWith = $"/api/leads/{item.Lead.Id}/activities",
            })],
        });
    }

    private static async Task<IResult> NotificationsAsync(
        string id, [FromQuery] string? unread, [FromQuery] string? limit, [FromQuery] string? cursor, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var unreadOnly = false;
        if (unread is not null && !bool.TryParse(unread, out unreadOnly))
        {
            errors.Add("unread", "true or false.");
        }

        var query = Paging.StartAfter(AssignmentQueries.NotificationsOf(id, unreadOnly), cursor, errors);
        errors.ThrowIfAny();
        var rep = await store.GetAsync(AssignmentCollections.Reps, id, cancellationToken);
        if (rep?.OwnedBy(http) != true)
        {
            return NotFound(id);
        }

        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<NotificationResponse> { Items = [.. page.Items.Select(n => n.ToResponse())], NextCursor = page.NextCursor });
    }

    private static async Task<IResult> MarkReadAsync(string id, string notificationId, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        var rep = await unit.GetAsync(AssignmentCollections.Reps, id, cancellationToken);
        var notification = await unit.GetAsync(AssignmentCollections.Notifications, notificationId, cancellationToken);
        if (rep?.OwnedBy(http) != true || notification is null || notification.RepId != id)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Notification not found.", detail: $"Rep '{id}' has no notification '{notificationId}'.");
        }

        if (notification.ReadAt is null)
        {
            notification = notification with { ReadAt = unit.Now, Version = notification.Version + 1 };
            unit.Replace(AssignmentCollections.Notifications, notification, notification.Version - 1);
            await unit.CommitAsync(cancellationToken);
        }

        return Results.Ok(notification.ToResponse());
    }

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Rep not found.", detail: $"There is no rep with id '{id}'.");
}
