using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Crm.Messaging.Channels;

/// <summary>Config section <c>Channels:WhatsApp</c>: a WhatsApp Cloud-like provider. Without BaseUrl, AccessToken and PhoneNumberId the channel is not configured.</summary>
public sealed class WhatsAppOptions
{
    public const string Section = "Channels:WhatsApp";

    public string? BaseUrl { get; set; }
    /// <summary>Bearer token (pass it as a secret).</summary>
    public string? AccessToken { get; set; }
    public string? PhoneNumberId { get; set; }
    /// <summary>The app secret: the key of the webhooks' <c>X-Hub-Signature-256</c> (a secret).</summary>
    public string? AppSecret { get; set; }
    /// <summary>The token the provider's GET verification handshake must present (<c>hub.verify_token</c>).</summary>
    public string? VerifyToken { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(BaseUrl) && !string.IsNullOrWhiteSpace(AccessToken) && !string.IsNullOrWhiteSpace(PhoneNumberId);
}

/// <summary>
/// WhatsApp through a Cloud-like API: <c>POST {BaseUrl}/v19.0/{PhoneNumberId}/messages</c>, bearer token, JSON
/// <c>{messaging_product:"whatsapp", to, type:"text", text:{body}}</c> or, for an approved template,
/// <c>type:"template", template:{name, language:{code}}</c>; the answer's <c>messages[0].id</c> is the provider's id.
/// Which of the two may be sent (the 24-hour window) is <see cref="WhatsAppWindow"/>'s decision, made before.
/// </summary>
public sealed class WhatsAppChannel(IHttpClientFactory http, WhatsAppOptions options) : IChannelAdapter
{
    public const string HttpClientName = "channels-whatsapp";

    public string Channel => "whatsapp";

    public bool IsConfigured => options.IsConfigured;

    public async Task<ChannelDelivery> SendAsync(ChannelMessage message, CancellationToken cancellationToken = default)
    {
        object payload = message.ProviderTemplate is { } template
            ? new { messaging_product = "whatsapp", to = message.To, type = "template", template = new { name = template, language = new { code = message.ProviderLanguage ?? "en" } } }
            : new { messaging_product = "whatsapp", to = message.To, type = "text", text = new { body = message.Body } };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{options.BaseUrl!.TrimEnd('/')}/v19.0/{Uri.EscapeDataString(options.PhoneNumberId!)}/messages"))
        {
            Content = JsonContent.Create(payload),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.AccessToken);
        using var answer = await ProviderHttp.SendAsync(http.CreateClient(HttpClientName), request, "The WhatsApp provider", options.Timeout, cancellationToken);
        string? id = null;
        if (answer.RootElement.ValueKind == JsonValueKind.Object
            && answer.RootElement.TryGetProperty("messages", out var messages)
            && messages.ValueKind == JsonValueKind.Array
            && messages.GetArrayLength() > 0
            && messages[0].TryGetProperty("id", out var found))
        {
            id = found.GetString();
        }

        return new ChannelDelivery(Email.EmailStatus.Sent, id);
    }
}
