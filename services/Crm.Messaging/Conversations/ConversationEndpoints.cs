using System.Text.Json;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Conversations;

/// <summary>
/// <c>/api/messaging/conversations</c>: the threads contacts started (see <see cref="ConversationInbox"/>), and what a
/// person does with them: reply, resolve (with the CSAT survey), reopen, move to another owner, record a web survey's
/// score. The ownership rule of every endpoint: a rep sees and acts on the conversations they own, a team lead their
/// team's, managers, admins and API keys all; any other is 404 (its existence not revealed).
/// </summary>
public static class ConversationEndpoints
{
    public const int MaxReply = 2000;
    public const string ReplyIdempotencyScope = "messaging:conversation-reply";
    private const int MaxId = 100;

    public static RouteGroupBuilder MapConversationEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/conversations", ListAsync)
            .RequireAccess(Access.Read)
            .WithName("ListConversations")
            .WithSummary("List conversations")
            .WithDescription("Conversations (a thread per contact and channel), newest first (by `openedAt`, then id), without their messages. Filters: `status` " +
                "(open, pending, resolved), `channel` (email, sms, whatsapp), `owner` (a rep id), `contactId`; `limit` 1-500 (default 50), `cursor` = `nextCursor` " +
                "of the previous page. A rep lists only the conversations they own, a team lead their team's (and their own); managers, admins and API keys all. " +
                "Bad values: 400 naming the field. Needs `messaging:read`.")
            .WithParameterDescription("status", "open, pending or resolved.")
            .WithParameterDescription("channel", "email, sms or whatsapp.")
            .WithParameterDescription("owner", "Only the conversations of this rep.")
            .WithParameterDescription("contactId", "Only this contact's conversations.")
            .Produces<Page<ConversationResponse>>()
            .ProducesValidationProblem();
        group.MapGet("/conversations/{id}", GetAsync)
            .RequireAccess(Access.Read)
            .WithName("GetConversation")
            .WithSummary("Get a conversation with its messages")
            .WithDescription("One conversation with its messages both ways, oldest first, its times (first response, resolution), first-contact resolution and CSAT score. " +
                "404 when unknown or not the caller's (a rep: their own; a team lead: their team's). Needs `messaging:read`.")
            .Produces<ConversationResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/conversations/{id}/replies", ReplyAsync)
            .RequireAccess(Access.Write)
            .WithName("ReplyToConversation")
            .WithSummary("Reply to a conversation")
            .WithDescription("Queues the text as a message on the conversation's channel (template `conversation-reply`, purpose transactional) through the send " +
                "path (see `POST /api/messaging/messages`: consent, address and WhatsApp's window at send time), and answers **202** with the queued message. The first " +
                "reply sets the first-response time; an open conversation becomes pending. 400 names a bad `text` (1-2000 characters); 404 when unknown or not the " +
                "caller's (a rep: their own; a team lead: their team's). `Idempotency-Key` supported (same key and body: the first answer; another body: 409). " +
                "Needs `messaging:write` (reps and team leads hold it).")
            .WithRequestExample(new ConversationReplyRequest { Text = "Thanks for writing! I will call you tomorrow at 10." })
            .WithRequestHeader(IdempotentRequests.Header, "Replays the first answer for a retry with the same key and body; another body with the same key is a 409.", IdempotentRequests.MaxKey)
            .Produces<MessageResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/conversations/{id}/resolve", ResolveAsync)
            .RequireAccess(Access.Write)
            .WithName("ResolveConversation")
            .WithSummary("Resolve a conversation")
            .WithDescription("Resolves it, queues the CSAT survey (template `csat-survey`, on the conversation's channel; the contact's reply 1-5 is recorded as the " +
                "score) and publishes `ConversationResolved` (times, first-contact resolution: one reply from us and never reopened). 409 when it is resolved " +
                "already; 404 when unknown or not the caller's (a rep: their own; a team lead: their team's). Needs `messaging:write` (reps and team leads hold it).")
            .Produces<ConversationResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/conversations/{id}/reopen", ReopenAsync)
            .RequireAccess(Access.Write)
            .WithName("ReopenConversation")
            .WithSummary("Reopen a resolved conversation")
            .WithDescription("Opens a resolved conversation again (a new message from the contact does so by itself); it no longer counts as resolved on first " +
                "contact. 409 when it is not resolved; 404 when unknown or not the caller's (a rep: their own; a team lead: their team's). Needs " +
                "`messaging:write` (reps and team leads hold it).")
            .Produces<ConversationResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPut("/conversations/{id}/owner", AssignAsync)
            .RequireAccess(Access.Write)
            .WithName("AssignConversation")
            .WithSummary("Set a conversation's owner")
            .WithDescription("Gives the conversation to a rep (`repId`, with their `teamId`), or unassigns it (`repId` null). Team leads and above: a rep gets 403, a team " +
                "lead may assign only within their own team (403 otherwise). 400 names each bad field; 404 when unknown or not the caller's. Needs `messaging:write` " +
                "(a rep holds it, and still gets 403 here).")
            .WithRequestExample(new ConversationOwnerRequest { RepId = "rep-7", TeamId = "north" })
            .Produces<ConversationResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/conversations/{id}/csat", CsatAsync)
            .RequireAccess(Access.Write)
            .WithName("RecordConversationCsat")
            .WithSummary("Record a CSAT score (web survey)")
            .WithDescription("The contact's satisfaction score 1-5 from a web survey, on a resolved conversation that has no score yet (409 otherwise; a reply 1-5 to " +
                "the survey message records it too); publishes `ConversationCsatRecorded` (`source` `web`). 400 for a missing or out-of-range `score`; 404 when unknown or not the caller's (a rep: their own; a team " +
                "lead: their team's). Needs `messaging:write` (reps and team leads hold it).")
            .WithRequestExample(new ConversationCsatRequest { Score = 5 })
            .Produces<ConversationResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http,
        IDocumentStore store,
        string? status,
        string? channel,
        string? owner,
        string? contactId,
        string? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var size = Paging.Limit(limit, errors);
        status = Given(status);
        channel = Given(channel);
        owner = Given(owner);
        contactId = Given(contactId);
        if (status is not null && !ConversationStatus.All.Contains(status, StringComparer.Ordinal))
        {
            errors.Add("status", "open, pending or resolved.");
        }

        if (channel is not null && !Channels.ChannelAdapters.Sendable.Contains(channel, StringComparer.Ordinal))
        {
            errors.Add("channel", "email, sms or whatsapp.");
        }

        if (owner?.Length > MaxId)
        {
            errors.Add("owner", $"A rep id of at most {MaxId} characters.");
        }

        if (contactId?.Length > MaxId)
        {
            errors.Add("contactId", $"A contact id of at most {MaxId} characters.");
        }

        var caller = http.Caller();
        Query<Conversation> list;
        if (caller is { SeesEverything: false })
        {
            var repId = Given(caller.RepId);
            var teamId = caller.Role == PersonRoles.TeamLead ? Given(caller.TeamId) : null;
            if (repId is null && teamId is null)
            {
                errors.ThrowIfAny();
                return Results.Ok(new Page<ConversationResponse> { Items = [], NextCursor = null });
            }

            if (teamId is null && owner is not null && owner != repId)
            {
                // A rep asking for another rep's conversations: none of them is theirs.
                errors.ThrowIfAny();
                return Results.Ok(new Page<ConversationResponse> { Items = [], NextCursor = null });
            }

            // A rep: their own. A team lead: their team's or their own.
            list = teamId is null
                ? ConversationQueries.Newest(status, channel, repId, contactId, null)
                : ConversationQueries.Newest(status, channel, owner, contactId, null).Where(
                    repId is null ? Filter<Conversation>.Eq(c => c.OwnerTeamId, teamId) : Filter<Conversation>.Eq(c => c.OwnerTeamId, teamId) | Filter<Conversation>.Eq(c => c.OwnerRepId, repId));
        }
        else
        {
            list = ConversationQueries.Newest(status, channel, owner, contactId, null);
        }

        if (!list.TryStartAfter(cursor, out var query))
        {
            errors.Add("cursor", "Not a cursor of this list: pass nextCursor from the previous page.");
        }

        errors.ThrowIfAny();
        var page = await store.PageAsync(query, size, cancellationToken);
        return Results.Ok(new Page<ConversationResponse>
        {
            Items = page.Items.Select(c => ToResponse(c, withMessages: false)).ToList(),
            NextCursor = page.NextCursor,
        });
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var conversation = await VisibleAsync(id, http, unit, cancellationToken);
        return Results.Ok(ToResponse(conversation, withMessages: true));
    }

    private static async Task<IResult> ReplyAsync(string id, ConversationReplyRequest request, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var text = request.Text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxReply)
        {
            throw new RequestValidationException("text", $"Required: 1 to {MaxReply} characters.");
        }

        var conversation = await VisibleAsync(id, http, unit, cancellationToken);
        var json = CrmJson(http);
        var key = IdempotentRequests.KeyOf(http.Request);
        var scope = IdempotentRequests.ScopeOf(http, ReplyIdempotencyScope);
        var hash = IdempotentResponse.Hash(JsonSerializer.SerializeToUtf8Bytes(new { id, text }, json));
        if (key is not null && await IdempotentRequests.KeptAsync(unit, scope, key, cancellationToken) is { } earlier)
        {
            return IdempotentRequests.Replay(earlier, hash);
        }

        var actor = http.Caller()?.ToActor();
        var message = Queue(unit, conversation, DefaultTemplates.ConversationReply, new() { ["reply"] = new() { ["text"] = JsonSerializer.SerializeToElement(text) } });
        var entry = new ConversationEntry { Id = message.Id, Direction = EntryKinds.Out, At = unit.Now, Text = text, By = actor?.Id };
        var replied = ConversationRules.Reply(conversation, entry, unit.Now);
        unit.Replace(ConversationCollections.Conversations, replied with { Version = conversation.Version + 1 }, conversation.Version);
        var response = message.ToResponse();
        if (key is not null)
        {
            var record = IdempotentRequests.Record(scope, key, hash, StatusCodes.Status202Accepted, null, response, json, unit.Now, [message.Id, conversation.ContactId]);
            unit.RecordIdempotentResponse(record);
            return new StoredResponseResult(record, replayed: false);
        }

        return Results.Json(response, statusCode: StatusCodes.Status202Accepted, options: json);
    }

    private static async Task<IResult> ResolveAsync(string id, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var conversation = await VisibleAsync(id, http, unit, cancellationToken);
        if (conversation.Status == ConversationStatus.Resolved)
        {
            return Conflict("The conversation is resolved already.", $"Conversation '{id}' is resolved; reopen it first.");
        }

        var survey = Queue(unit, conversation, DefaultTemplates.CsatSurvey, null);
        var surveyEntry = new ConversationEntry { Id = survey.Id, Direction = EntryKinds.Out, At = unit.Now, Text = "CSAT survey (template csat-survey)" };
        var resolved = ConversationRules.Resolve(conversation, surveyEntry, unit.Now)!;
        unit.Replace(ConversationCollections.Conversations, resolved with { Version = conversation.Version + 1 }, conversation.Version);
        unit.Publish(new ConversationResolved
        {
            EventId = Ids.NewGuid(),
            OccurredAt = unit.Now,
            ConversationId = resolved.Id,
            ContactId = resolved.ContactId,
            LeadId = resolved.LeadId,
            Channel = resolved.Channel,
            OwnerRepId = resolved.OwnerRepId,
            OpenedAt = resolved.OpenedAt,
            FirstResponseSeconds = ConversationRules.FirstResponseSeconds(resolved),
            ResolutionSeconds = ConversationRules.ResolutionSeconds(resolved) ?? 0,
            FirstContactResolution = resolved.FirstContactResolution,
            ResolvedBy = http.Caller()?.ToActor(),
        });
        return Results.Ok(ToResponse(resolved, withMessages: false));
    }

    private static async Task<IResult> ReopenAsync(string id, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var conversation = await VisibleAsync(id, http, unit, cancellationToken);
        if (ConversationRules.ReopenByHand(conversation, unit.Now) is not { } reopened)
        {
            return Conflict("The conversation is not resolved.", $"Conversation '{id}' is {conversation.Status}: only a resolved one is reopened.");
        }

        unit.Replace(ConversationCollections.Conversations, reopened with { Version = conversation.Version + 1 }, conversation.Version);
        return Results.Ok(ToResponse(reopened, withMessages: false));
    }

    private static async Task<IResult> AssignAsync(string id, ConversationOwnerRequest request, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (http.Caller() is { SeesEverything: false, Role: not PersonRoles.TeamLead })
        {
            // Function level first: a rep never assigns (whatever the conversation or body), 403 as before they held messaging:write.
            return OnlyLeadsAssign();
        }

        var errors = new ValidationErrors();
        var repId = Given(request.RepId);
        var teamId = Given(request.TeamId);
        if (repId?.Length > MaxId)
        {
            errors.Add("repId", $"A rep id of at most {MaxId} characters, or null to unassign.");
        }

        if (teamId?.Length > MaxId || (teamId is not null && repId is null))
        {
            errors.Add("teamId", $"The rep's team (at most {MaxId} characters); null when unassigning.");
        }

        errors.ThrowIfAny();
        var conversation = await VisibleAsync(id, http, unit, cancellationToken);
        var caller = http.Caller();
        if (caller is { SeesEverything: false } && (caller.Role != PersonRoles.TeamLead || teamId != Given(caller.TeamId)))
        {
            return caller.Role == PersonRoles.TeamLead
                ? Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: "A team lead assigns conversations within their own team only.")
                : OnlyLeadsAssign();
        }

        var assigned = conversation with { OwnerRepId = repId, OwnerTeamId = repId is null ? null : teamId, Version = conversation.Version + 1 };
        unit.Replace(ConversationCollections.Conversations, assigned, conversation.Version);
        return Results.Ok(ToResponse(assigned, withMessages: false));
    }

    private static async Task<IResult> CsatAsync(string id, ConversationCsatRequest request, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (request.Score is not (>= 1 and <= 5))
        {
            throw new RequestValidationException("score", "Required: a whole number from 1 to 5.");
        }

        var conversation = await VisibleAsync(id, http, unit, cancellationToken);
        if (ConversationRules.Csat(conversation, request.Score.Value, unit.Now) is not { } scored)
        {
            return Conflict("No score can be recorded.", $"Conversation '{id}' is not resolved, or has a score already.");
        }

        unit.Replace(ConversationCollections.Conversations, scored with { Version = conversation.Version + 1 }, conversation.Version);
        unit.Publish(ConversationRules.CsatRecorded(scored, CsatSources.Web, Ids.NewGuid()));
        return Results.Ok(ToResponse(scored, withMessages: false));
    }

    /// <summary>
    /// Stores a <c>queued</c> message of <paramref name="template"/> on the conversation's channel to its contact
    /// (transactional, the conversation's lead: its <c>MessageSent</c> tells Assignment the owner answered, which meets the
    /// lead's first-contact SLA; no dedupe key, so any number of replies; owned by the conversation's owner)
    /// and publishes <see cref="MessageQueued"/>: the send path (<c>Channels/SendQueuedMessage</c>) sends it.
    /// </summary>
    private static Message Queue(UnitOfWork unit, Conversation conversation, string template, Dictionary<string, Dictionary<string, JsonElement>>? variables)
    {
        var message = QueuedMessages.Queue(
            unit,
            conversation.ContactId,
            conversation.LeadId,
            conversation.Channel,
            template,
            TemplateChannels.Transactional,
            variables: variables,
            ownerRepId: conversation.OwnerRepId,
            ownerTeamId: conversation.OwnerTeamId);
        return message;
    }

    /// <summary>The conversation, when the caller may see it; else 404 (unknown and not theirs answer alike).</summary>
    private static async Task<Conversation> VisibleAsync(string id, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var conversation = id.Length <= MaxId ? await unit.GetAsync(ConversationCollections.Conversations, id, cancellationToken) : null;
        if (conversation is null || http.Caller() is not { } caller || !caller.Sees(conversation.OwnerRepId, conversation.OwnerTeamId))
        {
            throw ProblemException.NotFound("Conversation", id);
        }

        return conversation;
    }

    internal static ConversationResponse ToResponse(Conversation c, bool withMessages) => new()
    {
        Id = c.Id,
        ContactId = c.ContactId,
        Channel = Enum.Parse<Channel>(c.Channel, ignoreCase: true),
        Status = c.Status,
        OwnerRepId = c.OwnerRepId,
        OwnerTeamId = c.OwnerTeamId,
        LeadId = c.LeadId,
        OpenedAt = c.OpenedAt,
        LastActivityAt = c.LastActivityAt,
        FirstResponseSeconds = ConversationRules.FirstResponseSeconds(c),
        ResolvedAt = c.ResolvedAt,
        ResolutionSeconds = ConversationRules.ResolutionSeconds(c),
        Replies = c.Replies,
        Reopened = c.Reopened,
        FirstContactResolution = c.FirstContactResolution,
        CsatRequestedAt = c.CsatRequestedAt,
        CsatScore = c.CsatScore,
        Messages = withMessages
            ? c.Entries.Select(e => new ConversationMessageResponse { Id = e.Id, Direction = e.Direction, At = e.At, Text = e.Text, Subject = e.Subject, Kind = e.Kind }).ToList()
            : [],
    };

    private static IResult OnlyLeadsAssign() =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: "Only team leads, managers and admins assign conversations.");

    private static IResult Conflict(string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    private static JsonSerializerOptions CrmJson(HttpContext http) =>
        http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
