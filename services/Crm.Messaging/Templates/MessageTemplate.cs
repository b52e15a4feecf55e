using Crm.Contracts.Api.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Templates;

/// <summary>
/// A message template, a document of <c>templates</c> (id <c>{key}:{channel}:{locale}</c>, see <see cref="IdOf"/>): Liquid
/// for the e-mail subject and the body (SMS and WhatsApp have a body only), whether it is transactional or marketing,
/// and for WhatsApp the provider's approved template (name and language) that may be sent outside the 24-hour
/// customer-service window. The code defaults (<see cref="DefaultTemplates"/>) are version 0; a stored one overrides them.
/// </summary>
public sealed record MessageTemplate : IDocument
{
    public required string Id { get; init; }
    /// <summary>What it is for: <c>welcome</c>, <c>follow-up-1</c>... (lower-case letters, digits, '-').</summary>
    public required string Key { get; init; }
    /// <summary><c>email</c>, <c>sms</c> or <c>whatsapp</c>.</summary>
    public required string Channel { get; init; }
    /// <summary>BCP 47, canonical case (<c>en</c>, <c>pt-BR</c>).</summary>
    public required string Locale { get; init; }
    /// <summary><c>transactional</c> or <c>marketing</c> (consent: marketing needs the channel granted).</summary>
    public required string Purpose { get; init; }
    /// <summary>E-mail only: one line of Liquid.</summary>
    public string? Subject { get; init; }
    public required string Body { get; init; }
    /// <summary>WhatsApp only: the provider's approved template (outside the 24-hour window only these may be sent).</summary>
    public string? ProviderTemplate { get; init; }
    /// <summary>That approved template's language code at the provider (e.g. <c>pt_BR</c>).</summary>
    public string? ProviderLanguage { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    /// <summary>Who stored this version (an actor id).</summary>
    public string? UpdatedBy { get; init; }
    public long Version { get; init; }

    public static string IdOf(string key, string channel, string locale) => $"{key}:{channel}:{locale}";

    public MessageTemplateResponse ToResponse() => new()
    {
        Key = Key,
        Channel = Channel,
        Locale = Locale,
        Purpose = Purpose,
        Subject = Subject,
        Body = Body,
        ProviderTemplate = ProviderTemplate,
        ProviderLanguage = ProviderLanguage,
        Default = Version == 0,
        Version = Version,
        UpdatedAt = UpdatedAt,
    };
}

/// <summary>The channels and purposes a template can have.</summary>
public static class TemplateChannels
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string WhatsApp = "whatsapp";

    public static readonly IReadOnlyList<string> All = [Email, Sms, WhatsApp];

    public const string Transactional = "transactional";
    public const string Marketing = "marketing";

    public static readonly IReadOnlyList<string> Purposes = [Transactional, Marketing];
}

/// <summary>Templates: <c>key_channel_locale</c> serves the list (all, or one key's) in a stable order.</summary>
public static class TemplateCollections
{
    public static readonly DocumentCollection<MessageTemplate> Templates = new DocumentCollection<MessageTemplate>("templates")
        .Index("key_channel_locale", i => i.Asc(t => t.Key).Asc(t => t.Channel).Asc(t => t.Locale).Asc(t => t.Id));
}

/// <summary>The reads of templates (besides by id), rendered by the catalog test.</summary>
public static class TemplateQueries
{
    /// <summary>Every stored template, or those of one key, by key, channel and locale (index <c>key_channel_locale</c>).</summary>
    public static Query<MessageTemplate> List(string? key) =>
        (key is null
            ? TemplateCollections.Templates.Find(Filter<MessageTemplate>.All)
            : TemplateCollections.Templates.Find(Filter<MessageTemplate>.Eq(t => t.Key, key)))
        .OrderBy(t => t.Key)
        .ThenBy(t => t.Channel)
        .ThenBy(t => t.Locale);
}
