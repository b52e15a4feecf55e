using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;

namespace Crm.Leads.Leads;

/// <summary>
/// The channel of a capture that did not say: from the words of its <c>source</c>, then of <c>utm.medium</c> and
/// <c>utm.source</c> (<c>facebook-ads</c>, <c>cpc</c> → ads; <c>whatsapp</c> → whatsapp; <c>newsletter</c> → email;
/// <c>landing</c>, <c>form</c> → web; <c>referral</c>, <c>partner</c> → referral; <c>call</c> → phone); any UTM tag
/// without a telling word means a web page; else <c>unknown</c>. Pure.
/// </summary>
public static class ChannelInference
{
    private static readonly (Channel Channel, string[] Words)[] Table =
    [
        (Channel.Whatsapp, ["whatsapp", "wa", "wapp"]),
        (Channel.Sms, ["sms", "text", "txt"]),
        (Channel.Phone, ["phone", "call", "calls", "telephone", "telephony", "ivr", "callcenter", "hotline"]),
        (Channel.Referral, ["referral", "referrals", "refer", "referred", "partner", "partners", "affiliate", "affiliates", "recommendation"]),
        (Channel.Ads, ["ads", "ad", "adwords", "cpc", "ppc", "paid", "paidsocial", "display", "facebook", "fb", "instagram", "ig", "meta", "tiktok", "linkedin", "google", "gads", "leadform", "leadgen"]),
        (Channel.Email, ["email", "e-mail", "mail", "newsletter", "mailing", "mailchimp"]),
        (Channel.Web, ["web", "website", "site", "landing", "lp", "form", "webform", "page", "organic", "seo", "blog", "chat", "www"]),
    ];

    public static Channel Infer(string? source, UtmTags? utm)
    {
        foreach (var text in new[] { source, utm?.Medium, utm?.Source })
        {
            if (FromWords(text) is { } channel)
            {
                return channel;
            }
        }

        return utm is not null && (utm.Source ?? utm.Medium ?? utm.Campaign ?? utm.Term ?? utm.Content) is not null ? Channel.Web : Channel.Unknown;
    }

    private static Channel? FromWords(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var words = text.ToLowerInvariant().Split(['-', '_', ' ', '.', '/', ':', '+', '|', ','], StringSplitOptions.RemoveEmptyEntries);
        foreach (var (channel, known) in Table)
        {
            if (words.Any(w => known.Contains(w, StringComparer.Ordinal)))
            {
                return channel;
            }
        }

        return null;
    }
}
