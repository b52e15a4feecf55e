using Crm.ServiceDefaults.Messaging;
using System.Text.Json;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Conversations;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Grpc.Core;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.Messaging.Calls;

/// <summary>
/// <c>POST /api/messaging/calls</c>: a phone call logged from the telephony system, stored as a message on channel
/// <c>phone</c> (template <c>call</c>, status <c>logged</c>, <c>sentAt</c> its start, the number as <c>to</c>), once per
/// provider call id (<see cref="MessageKeys.Call"/>), with <see cref="CallLogged"/> in the same unit of work.
/// </summary>
public static class CallEndpoints
{
    public const string IdempotencyScope = "messaging:call";
    public const string Channel = "phone";
    public const string Template = "call";
    public const string Logged = "logged";
    public static readonly string[] Directions = ["inbound", "outbound"];
    public static readonly string[] Outcomes = ["answered", "no-answer", "busy", "voicemail", "failed"];
    private const int MaxId = 100;
    private const int MaxProviderCallId = 200;
    private const int MaxDuration = 86_400;
    private const int MaxUrl = 2000;

    public static RouteGroupBuilder MapCallEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/calls", LogAsync)
            .RequireAccess(Access.Write)
            .WithName("LogCall")
            .WithSummary("Log a phone call")
            .WithDescription("The telephony system logs a call, answered or not: `contactId`, or `phone` alone (the contact of that number is found, or " +
                "created, in Contacts), `direction` (`inbound` | `outbound`), `startedAt`, `durationSeconds`, `outcome` (`answered`, `no-answer`, `busy`, " +
                "`voicemail`, `failed`), `leadId`, `repId` and `recordingUrl` optional, `providerCallId` (the telephony system's id). **201** with the call " +
                "as a message (`channel` `phone`, `template` `call`, `status` `logged`, `sentAt` = `startedAt`, `call` details): it is listed with the " +
                "contact's and the lead's messages, and `CallLogged` is published (Leads logs the lead's `call` activity, which meets the default " +
                "pipeline's \"first call logged\"). The same `providerCallId` again: **200** with the call logged first (nothing logged twice), or **409** " +
                "when it says something else about the call. `Idempotency-Key` supported too. 400 names every bad field; a `contactId` Contacts does not know " +
                "is a **422**; a `phone` alone while Contacts cannot be asked is a **503** with `Retry-After` (retry with the same `providerCallId`). " +
                "A rep or team lead logs their own calls (`repId` left out or their own) with a `contactId` they own (their team's for a team lead; " +
                "another contact is a **404**, as an unknown one; a `phone` alone is a 400), and a `providerCallId` logged for somebody else is a 409 " +
                "without its details. Needs `messaging:write`.")
            .WithRequestExample(new LogCallRequest
            {
                ContactId = "c-01J9Z8K7X2",
                LeadId = "l-01J9Z8M3QH",
                Direction = "outbound",
                StartedAt = new DateTimeOffset(2026, 11, 30, 14, 5, 0, TimeSpan.Zero),
                DurationSeconds = 312,
                Outcome = "answered",
                RepId = "rep-17",
                RecordingUrl = "https://telephony.example.com/recordings/CA9f1e.mp3",
                ProviderCallId = "CA9f1e2d3c",
            })
            .WithRequestHeader(IdempotentRequests.Header, "Replays the first answer for a retry with the same key and body; another body with the same key is a 409.", IdempotentRequests.MaxKey)
            .Produces<MessageResponse>(StatusCodes.Status201Created)
            .Produces<MessageResponse>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<IResult> LogAsync(
        LogCallRequest request,
        HttpContext http,
        UnitOfWork unit,
        IContactDirectory contacts,
        IContactResolver resolver,
        IOptions<HttpJsonOptions> json,
        CancellationToken cancellationToken)
    {
        var call = Validate(request, unit.Now);
        var caller = http.Caller();
        var personal = caller is { SeesEverything: false };
        if (personal)
        {
            // A rep or team lead logs their own calls with contacts they own (their team's): never by a number alone (that
            // may create a contact), never for another rep; another contact is a 404, as an unknown one.
            var errors = new ValidationErrors();
            if (call.ContactId is null)
            {
                errors.Add("contactId", "Required for a rep or team lead: the id of a contact you own (a number alone is looked up only for systems).");
            }

            if (call.RepId is not null && call.RepId != caller!.RepId)
            {
                errors.Add("repId", "A rep or team lead logs their own calls: leave it out or give your own rep id.");
            }

            errors.ThrowIfAny();
            await RepAccess.OwnedContactAsync(http, unit, call.ContactId!, cancellationToken);
        }

        var key = IdempotentRequests.KeyOf(http.Request);
        var scope = IdempotentRequests.ScopeOf(http, IdempotencyScope);
        var hash = IdempotentResponse.Hash(JsonSerializer.SerializeToUtf8Bytes(request, json.Value.SerializerOptions));
        if (key is not null && await IdempotentRequests.KeptAsync(unit, scope, key, cancellationToken) is { } earlier)
        {
            return IdempotentRequests.Replay(earlier, hash);
        }

        var dedupeKey = MessageKeys.Call(call.ProviderCallId);
        if (await unit.Store.FindAsync(MessageQueries.OfDedupeKey(dedupeKey), cancellationToken) is [var logged, ..])
        {
            if (caller?.Sees(logged.OwnerRepId, logged.OwnerTeamId) != true)
            {
                // Somebody else's call: neither its details nor its id are shown.
                return Results.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "The call is logged already.",
                    detail: $"Call '{call.ProviderCallId}' is logged already; a call is logged once.");
            }

            return SameCall(logged, call)
                ? Results.Json(logged.ToResponse(), json.Value.SerializerOptions, statusCode: StatusCodes.Status200OK)
                : Results.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "The call was logged with other details.",
                    detail: $"Call '{call.ProviderCallId}' is logged as message '{logged.Id}' with other details; a call is logged once.");
        }

        var (contactId, to, refusal) = await ContactOfAsync(call, contacts, resolver, cancellationToken);
        if (refusal is not null || contactId is null)
        {
            return refusal!;
        }

        var repId = call.RepId ?? (personal ? caller!.RepId : null);
        var message = new Message
        {
            Id = Ids.New(),
            ContactId = contactId,
            LeadId = call.LeadId,
            DedupeKey = dedupeKey,
            Channel = Channel,
            Template = Template,
            To = to ?? string.Empty,
            Subject = string.Empty,
            Status = Logged,
            SentAt = call.StartedAt,
            OwnerRepId = repId,
            OwnerTeamId = personal ? caller!.TeamId : null,
            Call = new CallRecord
            {
                Direction = call.Direction,
                Outcome = call.Outcome,
                DurationSeconds = call.DurationSeconds,
                RepId = repId,
                RecordingUrl = call.RecordingUrl,
                ProviderCallId = call.ProviderCallId,
            },
        };
        unit.Insert(MessageCollections.Messages, message);
        unit.Publish(new CallLogged
        {
            EventId = Ids.NewGuid(),
            OccurredAt = unit.Now,
            MessageId = message.Id,
            ContactId = message.ContactId,
            LeadId = message.LeadId,
            Direction = call.Direction,
            Outcome = call.Outcome,
            StartedAt = call.StartedAt,
            DurationSeconds = call.DurationSeconds,
            RepId = repId,
            ProviderCallId = call.ProviderCallId,
        });
        var response = message.ToResponse();
        var location = $"/api/messaging/messages/{message.Id}";
        if (key is not null)
        {
            var record = IdempotentRequests.Record(scope, key, hash, StatusCodes.Status201Created, location, response, json.Value.SerializerOptions, unit.Now, [message.Id, message.ContactId]);
            unit.RecordIdempotentResponse(record);
            return new StoredResponseResult(record, replayed: false);
        }

        return Results.Created(location, response);
    }

    /// <summary>A call request read and checked: every bad field named at once (400).</summary>
    private sealed record ValidCall(string? ContactId, string? Phone, string? LeadId, string Direction, DateTimeOffset StartedAt, int DurationSeconds, string Outcome, string? RepId, string? RecordingUrl, string ProviderCallId);

    private static ValidCall Validate(LogCallRequest request, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        var contactId = Id(request.ContactId, "contactId", MaxId, errors);
        var phone = string.IsNullOrWhiteSpace(request.Phone) ? null : request.Phone.Trim();
        if (contactId is null && phone is null)
        {
            errors.Add("contactId", "Required: contactId, or phone to find the contact by.");
        }

        if ((phone is null && request.Phone is not null) || phone?.Length > 40)
        {
            errors.Add("phone", "A phone number of at most 40 characters, or leave it out.");
        }

        var leadId = Id(request.LeadId, "leadId", MaxId, errors);
        var repId = Id(request.RepId, "repId", MaxId, errors);
        var providerCallId = Id(request.ProviderCallId, "providerCallId", MaxProviderCallId, errors, required: true);
        var direction = request.Direction?.Trim();
        if (direction is null || !Directions.Contains(direction, StringComparer.Ordinal))
        {
            errors.Add("direction", "Required: inbound or outbound.");
        }

        var outcome = request.Outcome?.Trim();
        if (outcome is null || !Outcomes.Contains(outcome, StringComparer.Ordinal))
        {
            errors.Add("outcome", "Required: answered, no-answer, busy, voicemail or failed.");
        }

        if (request.StartedAt is not { } startedAt)
        {
            errors.Add("startedAt", "Required: when the call started (ISO-8601, UTC).");
        }
        else if (startedAt > now.AddMinutes(5))
        {
            errors.Add("startedAt", "Not more than 5 minutes in the future.");
        }

        if (request.DurationSeconds is not (>= 0 and <= MaxDuration))
        {
            errors.Add("durationSeconds", $"Required: seconds, 0 to {MaxDuration}.");
        }

        var recording = string.IsNullOrWhiteSpace(request.RecordingUrl) ? null : request.RecordingUrl.Trim();
        if ((recording is null && request.RecordingUrl is not null)
            || (recording is not null && (recording.Length > MaxUrl || !Uri.TryCreate(recording, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(url.UserInfo))))
        {
            errors.Add("recordingUrl", $"An https URL without credentials, at most {MaxUrl} characters, or leave it out.");
        }

        errors.ThrowIfAny();
        return new ValidCall(contactId, phone, leadId, direction!, request.StartedAt!.Value.ToUniversalTime().TruncateToMs(), request.DurationSeconds!.Value, outcome!, repId, recording, providerCallId!);
    }

    /// <summary>The contact id and the number of the call, or the answer refusing it (422: an unknown id; 400: a bad number; 503: Contacts down for a number alone).</summary>
    private static async Task<(string? ContactId, string? To, IResult? Refusal)> ContactOfAsync(ValidCall call, IContactDirectory contacts, IContactResolver resolver, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ContactCheck.Timeout);
        if (call.ContactId is { } contactId)
        {
            try
            {
                return await contacts.GetContactAsync(contactId, timeout.Token) is { } card
                    ? (card.Id, call.Phone ?? (card.Phones.Count > 0 ? card.Phones[0] : null), null)
                    : (null, null, ContactCheck.UnknownProblem("contactId", contactId));
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                return (contactId, call.Phone, null); // Contacts down never refuses a call about a given id (issue 8)
            }
        }

        try
        {
            var resolved = await resolver.ResolveAsync(null, null, call.Phone!, timeout.Token);
            return resolved.ContactId is null
                ? (null, null, Results.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["phone"] = [resolved.Problem ?? "Not a phone number Contacts accepts."] }))
                : (resolved.ContactId, resolved.NormalizedPhone ?? call.Phone, null);
        }
        catch (Exception ex) when (ex is DependencyUnavailableException or RpcException or OperationCanceledException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            return (null, null, RetryLater());
        }
    }

    /// <summary>503 with <c>Retry-After</c>: the contact of a number cannot be looked up now.</summary>
    private static IResult RetryLater() => Unavailable.Problem(
        "Contacts is unavailable.",
        "The contact of this phone number cannot be looked up now; retry later with the same providerCallId (or give contactId).");

    /// <summary>Whether a repeated <c>providerCallId</c> says the same about the call (a telephony system's retry).</summary>
    private static bool SameCall(Message logged, ValidCall call) =>
        logged.Call is { } c
        && c.Direction == call.Direction
        && c.Outcome == call.Outcome
        && c.DurationSeconds == call.DurationSeconds
        && logged.SentAt == call.StartedAt
        && logged.LeadId == call.LeadId
        && (call.ContactId is null || logged.ContactId == call.ContactId);

    private static string? Id(string? value, string field, int max, ValidationErrors errors, bool required = false)
    {
        var id = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        if ((id is null && (required || value is not null)) || id?.Length > max)
        {
            errors.Add(field, required ? $"Required: an id of at most {max} characters." : $"An id of at most {max} characters, or leave it out.");
        }

        return id;
    }
}
