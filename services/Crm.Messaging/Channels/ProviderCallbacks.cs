using System.Text.Json;
using Crm.Contracts.Messaging;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Channels;

/// <summary>Config section <c>Channels:Email</c>: the key of the e-mail bounce reports' signature.</summary>
public sealed class EmailBounceOptions
{
    public const string Section = "Channels:Email";

    /// <summary>HMAC-SHA256 key of <c>X-Crm-Signature-256</c> on <c>POST /api/messaging/providers/email/bounces</c> (a secret); unset: every report is refused.</summary>
    public string? BounceSecret { get; set; }
}

/// <summary>An e-mail bounce report: the platform's message id or the recipient's address, <c>hard</c> or <c>soft</c>, the server's text.</summary>
public sealed record EmailBounceRequest
{
    public string? MessageId { get; init; }
    /// <summary>The address that bounced, when the bounce processor does not know the message id.</summary>
    public string? To { get; init; }
    public string? Kind { get; init; }
    public string? Reason { get; init; }
}

/// <summary>
/// <c>/api/messaging/providers/**</c>: the providers' delivery status callbacks. Public webhooks (no platform identity:
/// the gateway lets this prefix through without credentials), each verified by its provider's signature — a bad or
/// missing one is a 401 and changes nothing. Reports move a message forward only (<see cref="DeliveryStatus"/>) and
/// publish <see cref="MessageDelivered"/> / <see cref="MessageFailed"/> once per change, with the change, in the
/// request's unit of work.
/// </summary>
public static class ProviderCallbacks
{
    public const string HubSignatureHeader = "X-Hub-Signature-256";
    public const string TwilioSignatureHeader = "X-Twilio-Signature";
    public const string BounceSignatureHeader = "X-Crm-Signature-256";
    private const int MaxBody = 256 * 1024;

    public static RouteGroupBuilder MapProviderCallbacks(this RouteGroupBuilder group)
    {
        group.MapPost("/sms/status", SmsStatusAsync)
            .AllowSignedWebhook("X-Twilio-Signature: Base64 HMAC-SHA1(Channels:Sms:AuthToken, URL + sorted form pairs)")
            .WithName("SmsStatusCallback")
            .WithSummary("SMS delivery status callback (provider)")
            .WithDescription("Called by the SMS provider (Twilio-like), form-encoded: `MessageSid`, `MessageStatus` (`delivered`, `read`, `undelivered`, `failed`; " +
                "others are acknowledged and ignored), `ErrorCode`. Signed with `X-Twilio-Signature` = Base64(HMAC-SHA1(`Channels:Sms:AuthToken`, the callback URL " +
                "(`Channels:Sms:StatusCallback`, else the request's) followed by every form key and value, keys sorted)); a bad or missing signature is 401. No platform " +
                "credentials: the gateway lets `/api/messaging/providers/**` through without them. 204; an unknown `MessageSid` is acknowledged too.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/whatsapp/webhook", WhatsAppWebhookAsync)
            .AllowSignedWebhook("X-Hub-Signature-256: sha256= hex HMAC-SHA256(Channels:WhatsApp:AppSecret, body)")
            .WithName("WhatsAppWebhook")
            .WithSummary("WhatsApp webhook (provider)")
            .WithDescription("Called by the WhatsApp provider (Cloud-like) with JSON `entry[].changes[].value.statuses[]` `{id, status: sent|delivered|read|failed, errors[]}`. " +
                "Signed with `X-Hub-Signature-256` = `sha256=` + hex HMAC-SHA256(`Channels:WhatsApp:AppSecret`, the raw body); a bad or missing signature is 401. " +
                "Inbound messages (`value.messages[]`, with `value.contacts[].profile.name`) join conversations (see `POST /api/messaging/providers/sms/inbound`), once per message id. " +
                "No platform credentials (see the SMS callback). 200; 503 when Contacts does not answer.")
            .Produces(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/whatsapp/webhook", WhatsAppHandshake)
            .AllowSignedWebhook("hub.verify_token = Channels:WhatsApp:VerifyToken")
            .WithName("WhatsAppWebhookHandshake")
            .WithSummary("WhatsApp webhook verification (provider)")
            .WithDescription("The provider's subscription handshake: `hub.mode=subscribe`, `hub.verify_token` (must equal `Channels:WhatsApp:VerifyToken`) and " +
                "`hub.challenge`, answered as plain text. A wrong or missing token is 403.")
            .WithParameterDescription("hub.mode", "`subscribe`.")
            .WithParameterDescription("hub.verify_token", "The configured verify token.")
            .WithParameterDescription("hub.challenge", "Echoed back.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/email/bounces", EmailBounceAsync)
            .AllowSignedWebhook("X-Crm-Signature-256: sha256= hex HMAC-SHA256(Channels:Email:BounceSecret, body)")
            .WithName("EmailBounce")
            .WithSummary("E-mail bounce report (mail system)")
            .WithDescription("A bounce processor reports an e-mail that bounced: `{messageId, kind: hard|soft, reason}` (`messageId`: the platform's message id, also the " +
                "`X-Crm-Message-Id` header and the local part of the `Message-Id` of the e-mail), or `{to, kind, reason}` when only the recipient's address is " +
                "known (the latest e-mail to that address is the one that bounced). Signed with `X-Crm-Signature-256` = `sha256=` + hex " +
                "HMAC-SHA256(`Channels:Email:BounceSecret`, the raw body); a bad or missing signature is 401. The message becomes `failed` with reason `bounce` " +
                "(hard) or `soft-bounce`, and `MessageFailed` is published. A hard bounce also suppresses the address: later e-mails to it are `suppressed` " +
                "with reason `bounced-address` until the contact writes to us by e-mail again or `DELETE /api/messaging/suppressions/{address}` clears it. " +
                "204; 400 names each bad field; 404 for an unknown e-mail message id (an address without a message is still suppressed: 204).")
            .WithRequestExample(new EmailBounceRequest { MessageId = "01J9Z8K7X2M3", Kind = "hard", Reason = "550 5.1.1 user unknown" })
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> SmsStatusAsync(HttpContext http, SmsOptions options, UnitOfWork unit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await ProviderSignatures.ReadSignedTwilioFormAsync(http, options.AuthToken, options.StatusCallback, cancellationToken) is not { } form)
        {
            return ProviderSignatures.SignatureRefused();
        }

        var reported = form["MessageStatus"].ToString() switch
        {
            "delivered" => (DeliveryStatus.Delivered, (string?)null),
            "read" => (DeliveryStatus.Read, null),
            "undelivered" => (DeliveryStatus.Failed, "undelivered"),
            "failed" => (DeliveryStatus.Failed, ProviderFailure(form["ErrorCode"].ToString())),
            _ => (null, null),
        };
        if (reported.Item1 is { } status && form["MessageSid"].ToString() is { Length: > 0 } sid)
        {
            var batch = new StatusBatch(unit, time);
            await batch.ReportAsync(sid, status, reported.Item2, cancellationToken);
            batch.Write();
        }

        return Results.NoContent();
    }

    private static async Task<IResult> WhatsAppWebhookAsync(HttpContext http, WhatsAppOptions options, UnitOfWork unit, TimeProvider time, Conversations.ConversationInbox inbox, CancellationToken cancellationToken)
    {
        var body = await IdempotentRequests.ReadBodyAsync(http.Request, MaxBody, cancellationToken);
        if (body is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large.", detail: $"At most {MaxBody} bytes.");
        }

        var expected = string.IsNullOrEmpty(options.AppSecret) ? null : ProviderSignatures.Sha256(options.AppSecret, body);
        if (!ProviderSignatures.Matches(expected, http.Request.Headers[HubSignatureHeader].ToString()))
        {
            return ProviderSignatures.SignatureRefused();
        }

        var batch = new StatusBatch(unit, time);
        List<Conversations.InboundMessage> inbound;
        try
        {
            using var document = JsonDocument.Parse(body);
            inbound = [.. Conversations.InboundWebhooks.WhatsAppMessages(document.RootElement)]; // messages contacts sent: conversations
            foreach (var status in Statuses(document.RootElement))
            {
                var id = status.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
                var value = status.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                if (id is null || value is not (DeliveryStatus.Delivered or DeliveryStatus.Read or DeliveryStatus.Failed))
                {
                    continue;
                }

                string? code = null;
                if (status.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
                    && errors[0].TryGetProperty("code", out var c))
                {
                    code = c.ToString();
                }

                await batch.ReportAsync(id, value, value == DeliveryStatus.Failed ? ProviderFailure(code) : null, cancellationToken);
            }
        }
        catch (JsonException)
        {
            throw new RequestValidationException("$", "A JSON webhook body.");
        }

        batch.Write();
        return await Conversations.InboundWebhooks.ReceiveAsync(inbox, inbound, cancellationToken) ?? Results.Ok();
    }

    private static IResult WhatsAppHandshake(HttpContext http, WhatsAppOptions options)
    {
        var query = http.Request.Query;
        return query["hub.mode"] == "subscribe" && ProviderSignatures.Matches(options.VerifyToken, query["hub.verify_token"].ToString())
            ? Results.Text(query["hub.challenge"].ToString(), "text/plain")
            : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: "hub.mode must be subscribe and hub.verify_token the configured one.");
    }

    private static async Task<IResult> EmailBounceAsync(HttpContext http, EmailBounceOptions options, UnitOfWork unit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (report, refusal) = await ProviderSignatures.ReadSignedJsonAsync<EmailBounceRequest>(http, options.BounceSecret, MaxBody, BounceJson, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var errors = new ValidationErrors();
        var byAddress = report?.MessageId is null && report?.To is not null;
        if (!byAddress && (string.IsNullOrWhiteSpace(report?.MessageId) || report.MessageId.Trim().Length > 100))
        {
            errors.Add("messageId", "Required: the platform's message id (at most 100 characters), or the address that bounced as 'to'.");
        }

        if (byAddress && (string.IsNullOrWhiteSpace(report!.To) || report.To.Trim().Length > 320 || !report.To.Contains('@', StringComparison.Ordinal)))
        {
            errors.Add("to", "An e-mail address (at most 320 characters).");
        }

        if (report?.Kind is not ("hard" or "soft"))
        {
            errors.Add("kind", "Required: hard or soft.");
        }

        errors.ThrowIfAny();
        var message = byAddress
            ? (await unit.Store.FindAsync(MessageQueries.LatestEmailTo(report!.To!.Trim()), cancellationToken)) is [var latest, ..] ? latest : null
            : await unit.GetAsync(MessageCollections.Messages, report!.MessageId!.Trim(), cancellationToken);
        if (message is not { Channel: "email" } && !byAddress)
        {
            throw ProblemException.NotFound("E-mail message", report.MessageId!);
        }

        if (message is { Channel: "email" })
        {
            var batch = new StatusBatch(unit, time);
            batch.Report(message, DeliveryStatus.Failed, report.Kind == "hard" ? "bounce" : "soft-bounce");
            batch.Write();
        }

        var address = byAddress ? report.To!.Trim() : message!.To;
        if (report.Kind == "hard" && !string.IsNullOrWhiteSpace(address))
        {
            AddressSuppression.Suppress(unit, address, message?.Id);
        }

        return Results.NoContent();
    }

    private static readonly JsonSerializerOptions BounceJson = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private static string ProviderFailure(string? code) => string.IsNullOrWhiteSpace(code) ? "provider-failed" : $"provider-failed:{code.Trim()}";

    private static IEnumerable<JsonElement> Statuses(JsonElement root) =>
        ProviderSignatures.WhatsAppCloudValues(root)
            .Where(v => v.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
            .SelectMany(v => v.GetProperty("statuses").EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object));


    /// <summary>The reports of one callback, applied in order on each message, written once per message (guarded by the version read).</summary>
    private sealed class StatusBatch(UnitOfWork unit, TimeProvider time)
    {
        private readonly Dictionary<string, (Message Read, Message Now)> _changed = new(StringComparer.Ordinal);

        public async Task ReportAsync(string providerMessageId, string status, string? reason, CancellationToken cancellationToken)
        {
            var found = _changed.Values.FirstOrDefault(c => c.Now.ProviderMessageId == providerMessageId).Now;
            if (found is null && await unit.Store.FindAsync(MessageQueries.OfProviderMessage(providerMessageId), cancellationToken) is [var stored, ..])
            {
                found = stored;
            }

            if (found is not null)
            {
                Report(found, status, reason);
            }
        }

        public void Report(Message message, string status, string? reason)
        {
            var current = _changed.TryGetValue(message.Id, out var c) ? c.Now : message;
            if (DeliveryStatus.Apply(current.Status, status) is not { } next)
            {
                return;
            }

            var now = time.UtcNowMs();
            var updated = current with { Status = next, Reason = next == DeliveryStatus.Failed ? reason : current.Reason };
            _changed[message.Id] = (_changed.TryGetValue(message.Id, out var earlier) ? earlier.Read : message, updated);
            unit.Publish(next == DeliveryStatus.Failed
                ? new MessageFailed { EventId = Ids.NewGuid(), OccurredAt = now, MessageId = message.Id, ContactId = message.ContactId, LeadId = message.LeadId, Channel = message.Channel, Reason = reason ?? "provider-failed", At = now }
                : new MessageDelivered { EventId = Ids.NewGuid(), OccurredAt = now, MessageId = message.Id, ContactId = message.ContactId, LeadId = message.LeadId, Channel = message.Channel, Status = next, At = now });
        }

        public void Write()
        {
            foreach (var (read, now) in _changed.Values)
            {
                unit.Add(MessageQueries.ReportStatus(read, now.Status, now.Reason));
            }
        }
    }
}
