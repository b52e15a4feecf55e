using System.Globalization;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Http;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Assignments;

/// <summary><c>/api/assignment/leads/{leadId}</c> (where a lead stands) and <c>/api/assignment/backlog</c> (who waits, in serving order).</summary>
public static class AssignmentEndpoints
{
    public static RouteGroupBuilder MapAssignmentEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/leads/{leadId}", GetLeadAsync);
        api.MapGet("/backlog", ListBacklogAsync);
        return api;
    }

    private static async Task<IResult> GetLeadAsync(string leadId, IAssignmentStore store, CancellationToken cancellationToken)
    {
        var lead = await store.GetLeadAsync(leadId, cancellationToken);
        return lead is null
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Lead not found.", detail: $"Assignment has not seen a scored lead with id '{leadId}'.")
            : Results.Ok(lead.ToResponse());
    }

    private static async Task<IResult> ListBacklogAsync([FromQuery] string? limit, [FromQuery] string? cursor, IAssignmentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var after = DecodeCursor(Paging.Decode(cursor, errors), cursor, errors);
        errors.ThrowIfAny();

        var leads = await store.ListBacklogAsync(after, take + 1, cancellationToken);
        var page = leads.Take(take).ToList();
        return Results.Ok(new Page<LeadAssignmentResponse>
        {
            Items = page.Select(l => l.ToResponse()).ToList(),
            NextCursor = leads.Count > take ? EncodeCursor(page[^1].Position) : null,
        });
    }

    /// <summary><c>{gradeRank}.{queuedAt as Unix ms}.{leadId}</c>, base64url.</summary>
    internal static string EncodeCursor(BacklogPosition position) =>
        Paging.Encode(string.Create(CultureInfo.InvariantCulture, $"{position.GradeRank}.{position.QueuedAt.ToUnixTimeMilliseconds()}.{position.LeadId}"));

    private static BacklogPosition? DecodeCursor(string? text, string? cursor, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split('.', 3);
        if (parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rank)
            && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
            && ms >= DateTimeOffset.MinValue.ToUnixTimeMilliseconds() && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            && parts[2].Length > 0)
        {
            return new BacklogPosition(rank, DateTimeOffset.FromUnixTimeMilliseconds(ms), parts[2]);
        }

        errors.Add("cursor", $"'{cursor}' is not a cursor from a previous page.");
        return null;
    }
}
