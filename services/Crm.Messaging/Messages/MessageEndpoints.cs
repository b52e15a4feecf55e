using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

public static class MessageEndpoints
{
    public static RouteGroupBuilder MapMessageEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/messages", ListAsync)
            .WithName("ListMessages")
            .WithSummary("List sent messages")
            .WithDescription("Messages the platform sent, newest first (by `sentAt`, then id), filtered by contact and/or lead. Without a filter the list holds every recipient's address, so it needs `messaging:admin` (403 otherwise).")
            .WithParameterDescription("contactId", "Only messages to this contact.")
            .WithParameterDescription("leadId", "Only messages about this lead.")
            .Produces<Page<MessageResponse>>()
            .ProducesValidationProblem();
        group.MapGet("/messages/{id}", GetAsync)
            .WithName("GetMessage")
            .WithSummary("Get one message")
            .WithDescription("One message (or logged call) by id. A rep or team lead sees only those about leads that were theirs (their team's) when it was sent; any other is 404, as an unknown id.")
            .WithParameterDescription("id", "The message's id.")
            .Produces<MessageResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>
    /// <c>GET /api/messaging/messages?contactId=&amp;leadId=&amp;limit=&amp;cursor=</c>: finished messages, newest first
    /// (sentAt, then id), paged by the layer's keyset cursor (opaque: its format may change). Without a filter the list
    /// is every recipient's address, so it needs <c>messaging:admin</c>. A rep or team lead (who never holds that scope)
    /// gets only the messages about leads they (or their team) owned when the message was sent: a contact or lead that
    /// is not theirs gives an empty list, exactly like one without messages. Managers, admins and API keys see all.
    /// </summary>
    private static async Task<IResult> ListAsync(
        HttpContext http,
        IDocumentStore store,
        string? contactId,
        string? leadId,
        string? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        if (Given(contactId) is null && Given(leadId) is null && http.Caller()?.Can(MessagingService.Name, Access.Admin) != true)
        {
            // Every recipient's address in one list is an export: only administrators may take it.
            return Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden.",
                detail: "Filter by contactId or leadId; listing every message needs the scope 'messaging:admin'.");
        }

        var errors = new ValidationErrors();
        var size = Paging.Limit(limit, errors);
        var caller = http.Caller();
        var restricted = caller is { SeesEverything: false };
        var repId = restricted ? Given(caller!.RepId) : null;
        var teamId = restricted && caller!.Role == PersonRoles.TeamLead ? Given(caller.TeamId) : null;
        if (restricted && repId is null && teamId is null)
        {
            // A person who owns nothing sees no message.
            return Results.Ok(new Page<MessageResponse> { Items = [], NextCursor = null });
        }

        var list = restricted
            ? MessageQueries.Newest(Given(contactId), Given(leadId), repId, teamId)
            : MessageQueries.Newest(Given(contactId), Given(leadId));
        if (!list.TryStartAfter(cursor, out var query))
        {
            errors.Add("cursor", "Not a cursor of this list: pass nextCursor from the previous page.");
        }

        errors.ThrowIfAny();
        var page = await store.PageAsync(query, size, cancellationToken);
        return Results.Ok(new Page<MessageResponse>
        {
            Items = page.Items.Select(m => m.ToResponse()).ToList(),
            NextCursor = page.NextCursor,
        });
    }

    /// <summary><c>GET /api/messaging/messages/{id}</c>: a finished message the caller may see (the list's ownership rule), else 404.</summary>
    private static async Task<IResult> GetAsync(string id, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var message = await store.GetAsync(MessageCollections.Messages, id, cancellationToken);
        if (message is null || message.Status == Email.EmailStatus.Sending || http.Caller()?.Sees(message.OwnerRepId, message.OwnerTeamId) != true)
        {
            throw ProblemException.NotFound("Message", id);
        }

        return Results.Ok(message.ToResponse());
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
