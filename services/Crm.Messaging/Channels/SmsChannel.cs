using System.Net.Http.Headers;
using System.Text;

namespace Crm.Messaging.Channels;

/// <summary>Config section <c>Channels:Sms</c>: a Twilio-like provider. Without BaseUrl, AccountSid, AuthToken and From the channel is not configured.</summary>
public sealed class SmsOptions
{
    public const string Section = "Channels:Sms";

    public string? BaseUrl { get; set; }
    public string? AccountSid { get; set; }
    /// <summary>Basic-auth password and the key of the status callbacks' <c>X-Twilio-Signature</c> (pass it as a secret).</summary>
    public string? AuthToken { get; set; }
    /// <summary>The sending number (E.164).</summary>
    public string? From { get; set; }
    /// <summary>The public URL of <c>/api/messaging/providers/sms/status</c> as the provider calls it (sent as <c>StatusCallback</c>; signatures are computed over it).</summary>
    public string? StatusCallback { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(BaseUrl) && !string.IsNullOrWhiteSpace(AccountSid) && !string.IsNullOrWhiteSpace(AuthToken) && !string.IsNullOrWhiteSpace(From);
}

/// <summary>
/// SMS through a Twilio-like API: <c>POST {BaseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json</c>, form-encoded
/// <c>To</c>, <c>From</c>, <c>Body</c> (and <c>StatusCallback</c>), basic auth AccountSid:AuthToken; the answer's
/// <c>sid</c> is the provider's message id.
/// </summary>
public sealed class SmsChannel(IHttpClientFactory http, SmsOptions options) : IChannelAdapter
{
    public const string HttpClientName = "channels-sms";

    public string Channel => "sms";

    public bool IsConfigured => options.IsConfigured;

    public async Task<ChannelDelivery> SendAsync(ChannelMessage message, CancellationToken cancellationToken = default)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("To", message.To),
            new("From", options.From!),
            new("Body", message.Body),
        };
        if (!string.IsNullOrWhiteSpace(options.StatusCallback))
        {
            form.Add(new("StatusCallback", options.StatusCallback));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{options.BaseUrl!.TrimEnd('/')}/2010-04-01/Accounts/{Uri.EscapeDataString(options.AccountSid!)}/Messages.json"))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.AuthToken}")));
        using var answer = await ProviderHttp.SendAsync(http.CreateClient(HttpClientName), request, "The SMS provider", options.Timeout, cancellationToken);
        var sid = answer.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && answer.RootElement.TryGetProperty("sid", out var s) ? s.GetString() : null;
        return new ChannelDelivery(Email.EmailStatus.Sent, sid);
    }
}
