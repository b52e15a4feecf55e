using System.Text.Json;
using Crm.Messaging.Channels;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Security;

namespace Crm.Messaging.Conversations;

/// <summary>Config section <c>Conversations</c>: the inbound webhooks' signature settings.</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversations";

    /// <summary>The public URL of <c>POST /api/messaging/providers/sms/inbound</c> as the SMS provider calls it (the signature is over it); unset: the request's URL.</summary>
    public string? SmsInboundUrl { get; set; }

    /// <summary>HMAC-SHA256 key of <c>X-Crm-Signature-256</c> on <c>POST /api/messaging/providers/email/inbound</c> (a secret); unset: every call is refused.</summary>
    public string? EmailInboundSecret { get; set; }
}

/// <summary>An inbound e-mail from an inbound-parse service.</summary>
public sealed record InboundEmailRequest
{
    /// <summary>The sender, <c>ada@example.com</c> or <c>Ada Lovelace &lt;ada@example.com&gt;</c>.</summary>
    public string? From { get; init; }
    public string? To { get; init; }
    public string? Subject { get; init; }
    /// <summary>The plain-text body.</summary>
    public string? Text { get; init; }
    /// <summary>The e-mail's <c>Message-Id</c> (the inbound message is taken once per id).</summary>
    public string? MessageId { get; init; }
    /// <summary>The <c>In-Reply-To</c> header, when it answers one of ours.</summary>
    public string? InReplyTo { get; init; }
}

/// <summary>
/// Inbound messages from the providers' webhooks under <c>/api/messaging/providers/**</c> (no platform identity: each
/// verified by its provider's signature as the status callbacks are, <see cref="ProviderSignatures"/>): SMS
/// (<c>/sms/inbound</c>, Twilio-like form), e-mail (<c>/email/inbound</c>, JSON) and WhatsApp (the <c>messages</c>
/// entries of the WhatsApp webhook, <see cref="WhatsAppMessages"/>, read by <c>ProviderCallbacks</c>).
/// </summary>
public static class InboundWebhooks
{
    public const int MaxText = 10_000;
    private const int MaxBody = 256 * 1024;

    public static RouteGroupBuilder MapInboundWebhooks(this RouteGroupBuilder group)
    {
        group.MapPost("/sms/inbound", SmsInboundAsync)
            .AllowSignedWebhook("X-Twilio-Signature: Base64 HMAC-SHA1(Channels:Sms:AuthToken, URL + sorted form pairs)")
            .WithName("SmsInbound")
            .WithSummary("Inbound SMS (provider)")
            .WithDescription("Called by the SMS provider (Twilio-like) for a message a contact sent, form-encoded: `MessageSid`, `From` (E.164), `To`, `Body`. Signed " +
                "with `X-Twilio-Signature` = Base64(HMAC-SHA1(`Channels:Sms:AuthToken`, the URL (`Conversations:SmsInboundUrl`, else the request's) followed by " +
                "every form key and value, keys sorted)); a bad or missing signature is 401. The sender is resolved (found or created) through Contacts, the " +
                "message joins the contact's SMS conversation (a new one, or reopens a resolved one; a bare 1-5 answers a pending CSAT survey) and " +
                "`InboundMessageReceived` is published. Once per `MessageSid`: a repeat is acknowledged and changes nothing. 204; 503 when Contacts does not " +
                "answer (the provider retries). No platform credentials: the gateway lets `/api/messaging/providers/**` through without them.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/email/inbound", EmailInboundAsync)
            .AllowSignedWebhook("X-Crm-Signature-256: sha256= hex HMAC-SHA256(Conversations:EmailInboundSecret, body)")
            .WithName("EmailInbound")
            .WithSummary("Inbound e-mail (inbound-parse service)")
            .WithDescription("An inbound-parse service posts an e-mail a contact sent: `{from, to, subject, text, messageId, inReplyTo}` (unknown fields 400). Signed " +
                "with `X-Crm-Signature-256` = `sha256=` + hex HMAC-SHA256(`Conversations:EmailInboundSecret`, the raw body); a bad or missing signature is 401. " +
                "Handled as an inbound SMS (see there), on the contact's e-mail conversation, once per `messageId`. 204; 400 names each bad field; 503 when " +
                "Contacts does not answer.")
            .WithRequestExample(new InboundEmailRequest
            {
                From = "Ada Lovelace <ada@example.com>",
                To = "support@crm.example.com",
                Subject = "Re: your offer",
                Text = "Could you call me tomorrow?",
                MessageId = "<CAF=abc123@mail.example.com>",
            })
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<IResult> SmsInboundAsync(HttpContext http, SmsOptions sms, ConversationOptions options, ConversationInbox inbox, CancellationToken cancellationToken)
    {
        if (await ProviderSignatures.ReadSignedTwilioFormAsync(http, sms.AuthToken, options.SmsInboundUrl, cancellationToken) is not { } form)
        {
            return ProviderSignatures.SignatureRefused();
        }

        var sid = form["MessageSid"].ToString();
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(sid) || sid.Length > 100)
        {
            errors.Add("MessageSid", "Required: the provider's message id.");
        }

        if (string.IsNullOrWhiteSpace(form["From"].ToString()))
        {
            errors.Add("From", "Required: the sender's number.");
        }

        errors.ThrowIfAny();
        return await ReceiveAsync(inbox, [new InboundMessage("sms", sid.Trim(), form["From"].ToString().Trim(), null, Clip(form["Body"].ToString()))], cancellationToken)
            ?? Results.NoContent();
    }

    private static async Task<IResult> EmailInboundAsync(HttpContext http, ConversationOptions options, ConversationInbox inbox, CancellationToken cancellationToken)
    {
        var (email, refusal) = await ProviderSignatures.ReadSignedJsonAsync<InboundEmailRequest>(http, options.EmailInboundSecret, MaxBody, StrictJson, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var errors = new ValidationErrors();
        MimeKit.MailboxAddress? from = null;
        if (string.IsNullOrWhiteSpace(email?.From) || !MimeKit.MailboxAddress.TryParse(email.From, out from) || string.IsNullOrWhiteSpace(from.Address))
        {
            errors.Add("from", "Required: the sender's address (ada@example.com or \"Ada <ada@example.com>\").");
        }

        if (string.IsNullOrWhiteSpace(email?.MessageId) || email.MessageId.Length > 300)
        {
            errors.Add("messageId", "Required: the e-mail's Message-Id (at most 300 characters).");
        }

        if (email?.Subject?.Length > 1000)
        {
            errors.Add("subject", "At most 1000 characters.");
        }

        errors.ThrowIfAny();
        var name = string.IsNullOrWhiteSpace(from!.Name) ? null : from.Name;
        return await ReceiveAsync(inbox, [new InboundMessage("email", email!.MessageId!.Trim(), from.Address.Trim(), name, Clip(email.Text), email.Subject?.Trim())], cancellationToken)
            ?? Results.NoContent();
    }

    /// <summary>
    /// The <c>entry[].changes[].value.messages[]</c> of a WhatsApp (Cloud-like) webhook as inbound messages: <c>id</c>,
    /// <c>from</c> (digits, read as E.164 with a '+'), the sender's profile name from <c>value.contacts[]</c>, and the
    /// text (<c>text.body</c>; another type is kept as <c>[type]</c>).
    /// </summary>
    public static IEnumerable<InboundMessage> WhatsAppMessages(JsonElement root)
    {
        foreach (var value in ProviderSignatures.WhatsAppCloudValues(root))
        {
            if (!value.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            if (value.TryGetProperty("contacts", out var contacts) && contacts.ValueKind == JsonValueKind.Array)
            {
                foreach (var contact in contacts.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object))
                {
                    if (String(contact, "wa_id") is { } waId && contact.TryGetProperty("profile", out var profile) && profile.ValueKind == JsonValueKind.Object && String(profile, "name") is { } name)
                    {
                        names[waId] = name;
                    }
                }
            }

            foreach (var message in messages.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object))
            {
                if (String(message, "id") is not { Length: <= 200 } id || String(message, "from") is not { } from)
                {
                    continue;
                }

                var type = String(message, "type") ?? "text";
                var text = type == "text" && message.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.Object ? String(t, "body") ?? string.Empty : $"[{type}]";
                yield return new InboundMessage("whatsapp", id, from.StartsWith('+') ? from : "+" + from, names.GetValueOrDefault(from), Clip(text));
            }
        }
    }

    /// <summary>Takes <paramref name="messages"/> into conversations; null when done, else the answer (503: Contacts did not answer, the provider retries).</summary>
    public static async Task<IResult?> ReceiveAsync(ConversationInbox inbox, IEnumerable<InboundMessage> messages, CancellationToken cancellationToken)
    {
        inbox.Reset();
        try
        {
            foreach (var message in messages)
            {
                await inbox.ReceiveAsync(message, cancellationToken);
            }
        }
        catch (DependencyUnavailableException ex)
        {
            return Unavailable.Problem("Contacts is unavailable.", ex.Message);
        }

        inbox.Write();
        return null;
    }

    private static readonly JsonSerializerOptions StrictJson = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private static string Clip(string? text)
    {
        var t = text?.Trim() ?? string.Empty;
        return t.Length > MaxText ? t[..MaxText] : t;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()) ? value.GetString()!.Trim() : null;
}
