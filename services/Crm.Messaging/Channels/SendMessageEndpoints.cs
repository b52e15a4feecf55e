using System.Text.Json;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Conversations;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.Messaging.Channels;

/// <summary><c>POST /api/messaging/messages</c>: queue a message of a template on a channel to a contact; sent by <see cref="SendQueuedMessage"/>.</summary>
public static class SendMessageEndpoints
{
    public const string IdempotencyScope = "messaging:send";
    public const string BatchIdempotencyScope = "messaging:send-batch";

    /// <summary>The most messages one <c>POST /api/messaging/messages/batch</c> takes.</summary>
    public const int MaxBatch = 1000;
    private const int MaxId = 100;

    public static RouteGroupBuilder MapSendMessageEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/messages", SendAsync)
            .RequireAccess(Access.Write)
            .WithName("SendMessage")
            .WithSummary("Send a message to a contact")
            .WithDescription("Stores the message `queued` and answers **202** with it; the service then sends it at once through the same claim → send → complete " +
                "path as the welcome: the contact's address (`email`: first e-mail, `sms` / `whatsapp`: first phone) and consent are read from Contacts at send " +
                "time (`purpose`, default the template's: marketing needs the channel granted), the template is rendered in the contact's locale (or `locale`) " +
                "with `variables`. Contact pressure at send time may hold it `delayed` (`reason` `quiet-hours`, `daily-cap`, `weekly-cap`; `dueAt`: when it is " +
                "decided again). Final statuses: `sent`, `picked-up`, `suppressed` (consent: `reason` `do-not-contact`, `channel-withdrawn`, `no-marketing-consent`; erased contact), `skipped` (no address), `failed` with `reason` " +
                "`template`, `not-configured` (the channel has no provider configuration), `whatsapp-window` (outside the 24-hour window without an approved " +
                "provider template) or `rejected` (the provider refused it). Follow it with `GET /api/messaging/messages?contactId=`. `Idempotency-Key` " +
                "supported: a retry with the same key and body gets the first answer, another body a 409. Any number of messages of one lead and template " +
                "may be sent. A contact Contacts does not know is a **422** naming `contactId`; when Contacts cannot be asked (down, slow) the message is " +
                "accepted as usual and, if Contacts then answers that it does not know the contact, finished `failed` with reason `unknown-contact`. " +
                "A rep sends only to a contact they own (the rep of the contact's latest assigned lead), a team lead to their team's: any other contact " +
                "is a 404, as an unknown one; the message is then the contact owner's. Needs `messaging:write`.")
            .WithRequestExample(new SendMessageRequest
            {
                ContactId = "c-01J9Z8K7X2",
                Channel = "sms",
                Template = "follow-up-1",
                LeadId = "l-01J9Z8M3QH",
                Purpose = TemplateChannels.Transactional,
                Variables = new() { ["rep"] = new() { ["name"] = JsonSerializer.SerializeToElement("Grace Hopper") } },
            })
            .WithRequestHeader(IdempotentRequests.Header, "Replays the first answer for a retry with the same key and body; another body with the same key is a 409.", IdempotentRequests.MaxKey)
            .Produces<MessageResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/messages/batch", SendBatchAsync)
            .RequireAccess(Access.Write)
            .ForWhoSeesEverything("Batch sends are for managers, administrators and API keys; a rep sends to their own contacts one at a time (POST /api/messaging/messages).")
            .WithName("SendMessageBatch")
            .WithSummary("Send up to 1,000 messages")
            .WithDescription("Each item is checked and queued exactly as `POST /api/messaging/messages` would, on its own: the answer is **200** with one result " +
                "per item, in order (`status` **202** with the queued message's `id`, **400** with the item's field `errors`, **422** naming `contactId` for a " +
                "contact Contacts does not know), never all-or-nothing; the items that are queued are stored in one commit and then sent in batches on the one " +
                "send path (consent, address, pressure and template at send time; follow them with `GET /api/messaging/messages/{id}`). Contacts is asked once " +
                "for the batch's contacts; when it cannot be asked, every item is accepted (an unknown contact then ends `failed` / `unknown-contact`). " +
                $"`Idempotency-Key` replays the whole answer (another body with the same key: 409). At most {MaxBatch} items; no items, too many, or a body " +
                "that is not such an object (an unknown field anywhere) is a 400 for the whole request. Reps and team leads: 403. Needs `messaging:write`.")
            .WithRequestExample(new SendMessageBatchRequest
            {
                Items =
                [
                    new SendMessageRequest { ContactId = "c-01J9Z8K7X2", Channel = "sms", Template = "order-confirmed", Purpose = TemplateChannels.Transactional, Variables = new() { ["order"] = new() { ["id"] = JsonSerializer.SerializeToElement("A-1001") } } },
                    new SendMessageRequest { ContactId = "c-01J9Z8M3QH", Channel = "email", Template = "follow-up-1", LeadId = "l-01J9Z8M3QH" },
                ],
            })
            .WithRequestHeader(IdempotentRequests.Header, "Replays the batch's first answer for a retry with the same key and body; another body with the same key is a 409.", IdempotentRequests.MaxKey)
            .Produces<SendMessageBatchResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<IResult> SendAsync(
        SendMessageRequest request,
        HttpContext http,
        UnitOfWork unit,
        TemplateRenderer templates,
        IContactDirectory contacts,
        IOptions<HttpJsonOptions> json,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (contactId, leadId, channel, template, locale) = Validate(request, errors);
        errors.ThrowIfAny();

        // A rep or team lead writes only to a contact they own (their team's): else 404 as for an unknown one.
        var owner = await RepAccess.OwnedContactAsync(http, unit, contactId!, cancellationToken);
        var key = IdempotentRequests.KeyOf(http.Request);
        var scope = IdempotentRequests.ScopeOf(http, IdempotencyScope);
        var hash = IdempotentResponse.Hash(JsonSerializer.SerializeToUtf8Bytes(request, json.Value.SerializerOptions));
        if (key is not null && await IdempotentRequests.KeptAsync(unit, scope, key, cancellationToken) is { } earlier)
        {
            return IdempotentRequests.Replay(earlier, hash);
        }

        if (await ContactCheck.IsUnknownAsync(contacts, contactId!, cancellationToken))
        {
            return ContactCheck.UnknownProblem("contactId", contactId!);
        }

        // Default purpose: the template's (a stored one or the default, in the locale asked for, else the default locale's).
        var purpose = request.Purpose ?? (await templates.FindAsync(template!, channel!, locale, cancellationToken))?.Purpose;
        var message = QueuedMessages.Queue(
            unit,
            contactId!,
            leadId,
            channel!,
            template!,
            purpose,
            locale,
            request.Variables,
            ownerRepId: owner?.RepId,
            ownerTeamId: owner?.TeamId);
        var response = message.ToResponse();
        if (key is not null)
        {
            var record = IdempotentRequests.Record(scope, key, hash, StatusCodes.Status202Accepted, null, response, json.Value.SerializerOptions, unit.Now, [message.Id, message.ContactId]);
            unit.RecordIdempotentResponse(record);
            return new StoredResponseResult(record, replayed: false);
        }

        return Results.Json(response, json.Value.SerializerOptions, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Every bad field of <paramref name="request"/> into <paramref name="errors"/>; the values trimmed and normalised.</summary>
    private static (string? ContactId, string? LeadId, string? Channel, string? Template, string? Locale) Validate(SendMessageRequest request, ValidationErrors errors)
    {
        var contactId = Id(request.ContactId, "contactId", required: true, errors);
        var leadId = Id(request.LeadId, "leadId", required: false, errors);
        var channel = request.Channel?.Trim();
        if (channel is null || !ChannelAdapters.Sendable.Contains(channel, StringComparer.Ordinal))
        {
            errors.Add("channel", "Required: email, sms or whatsapp.");
        }

        var template = request.Template?.Trim();
        if (template is null || !System.Text.RegularExpressions.Regex.IsMatch(template, "^[a-z0-9][a-z0-9-]{0,63}$"))
        {
            errors.Add("template", "Required: a template key (lower-case letters, digits and '-', at most 64).");
        }

        var locale = Locales.Normalize(request.Locale);
        if (request.Locale is not null && locale is null)
        {
            errors.Add("locale", "A locale such as 'en' or 'pt-BR', or leave it out.");
        }

        if (request.Purpose is not null && !TemplateChannels.Purposes.Contains(request.Purpose, StringComparer.Ordinal))
        {
            errors.Add("purpose", "transactional or marketing, or leave it out (the template's purpose).");
        }

        TemplateEndpoints.ReadVariables(request.Variables, errors);
        return (contactId, leadId, channel, template, locale);
    }

    private static async Task<IResult> SendBatchAsync(
        SendMessageBatchRequest request,
        HttpContext http,
        UnitOfWork unit,
        TemplateRenderer templates,
        IContactDirectory contacts,
        IOptions<HttpJsonOptions> json,
        CancellationToken cancellationToken)
    {
        if (request.Items is not { Count: > 0 and <= MaxBatch } items)
        {
            throw new RequestValidationException("items", $"1 to {MaxBatch} messages per batch.");
        }

        var key = IdempotentRequests.KeyOf(http.Request);
        var scope = IdempotentRequests.ScopeOf(http, BatchIdempotencyScope);
        var hash = IdempotentResponse.Hash(JsonSerializer.SerializeToUtf8Bytes(request, json.Value.SerializerOptions));
        if (key is not null && await IdempotentRequests.KeptAsync(unit, scope, key, cancellationToken) is { } earlier)
        {
            return IdempotentRequests.Replay(earlier, hash);
        }

        // Every item checked on its own (a result each); Contacts asked once for the batch's contacts.
        var results = new SendMessageBatchResult[items.Count];
        var valid = new List<(int Index, SendMessageRequest Item, string ContactId, string? LeadId, string Channel, string Template, string? Locale)>(items.Count);
        for (var index = 0; index < items.Count; index++)
        {
            var errors = new ValidationErrors();
            if (items[index] is not { } item)
            {
                errors.Add("items", "A message object is required.");
                results[index] = new SendMessageBatchResult { Index = index, Status = StatusCodes.Status400BadRequest, Errors = errors.ToDictionary() };
                continue;
            }

            var (contactId, leadId, channel, template, locale) = Validate(item, errors);
            if (!errors.IsEmpty)
            {
                results[index] = new SendMessageBatchResult { Index = index, Status = StatusCodes.Status400BadRequest, Errors = errors.ToDictionary() };
                continue;
            }

            valid.Add((index, item, contactId!, leadId, channel!, template!, locale));
        }

        var unknown = await ContactCheck.UnknownAmongAsync(contacts, [.. valid.Select(v => v.ContactId).Distinct(StringComparer.Ordinal)], cancellationToken);
        var purposes = new Dictionary<(string, string, string?), string?>();
        var queued = new List<string>(valid.Count);
        foreach (var (index, item, contactId, leadId, channel, template, locale) in valid)
        {
            if (unknown.Contains(contactId))
            {
                results[index] = new SendMessageBatchResult
                {
                    Index = index,
                    Status = StatusCodes.Status422UnprocessableEntity,
                    Errors = new Dictionary<string, string[]>(StringComparer.Ordinal) { ["contactId"] = [$"Contacts does not know contact '{contactId}'."] },
                };
                continue;
            }

            // Default purpose: the template's (looked up once per template, channel and locale of the batch).
            if (item.Purpose is null && !purposes.ContainsKey((template, channel, locale)))
            {
                purposes[(template, channel, locale)] = (await templates.FindAsync(template, channel, locale, cancellationToken))?.Purpose;
            }

            var message = QueuedMessages.Queue(
                unit,
                contactId,
                leadId,
                channel,
                template,
                item.Purpose ?? purposes[(template, channel, locale)],
                locale,
                item.Variables); // no owner: only callers who see everything send batches (reps and team leads 403)
            results[index] = new SendMessageBatchResult { Index = index, Status = StatusCodes.Status202Accepted, Id = message.Id };
            queued.Add(message.Id);
            queued.Add(contactId);
        }

        var response = new SendMessageBatchResponse { Results = results };
        if (key is not null)
        {
            var record = IdempotentRequests.Record(scope, key, hash, StatusCodes.Status200OK, null, response, json.Value.SerializerOptions, unit.Now, queued.Distinct(StringComparer.Ordinal));
            unit.RecordIdempotentResponse(record);
            return new StoredResponseResult(record, replayed: false);
        }

        return Results.Json(response, json.Value.SerializerOptions, statusCode: StatusCodes.Status200OK);
    }

    private static string? Id(string? value, string field, bool required, ValidationErrors errors)
    {
        var id = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        if ((id is null && (required || value is not null)) || id?.Length > MaxId)
        {
            errors.Add(field, required ? $"Required: an id of at most {MaxId} characters." : $"An id of at most {MaxId} characters, or leave it out.");
        }

        return id;
    }
}
