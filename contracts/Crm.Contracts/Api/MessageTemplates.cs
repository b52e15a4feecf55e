using System.Text.Json;

namespace Crm.Contracts.Api.Messaging;

/// <summary>A message template (Liquid), stored or one of the platform's defaults.</summary>
public sealed record MessageTemplateResponse
{
    /// <summary>What it is for (e.g. welcome, follow-up-1).</summary>
    public required string Key { get; init; }

    /// <summary>email, sms or whatsapp.</summary>
    public required string Channel { get; init; }

    /// <summary>BCP 47 locale (e.g. en, pt-BR).</summary>
    public required string Locale { get; init; }

    /// <summary>transactional or marketing (marketing needs the channel's consent granted).</summary>
    public required string Purpose { get; init; }

    /// <summary>E-mail subject (one line of Liquid); null for SMS and WhatsApp.</summary>
    public string? Subject { get; init; }

    /// <summary>The body (Liquid, rendered as plain text).</summary>
    public required string Body { get; init; }

    /// <summary>WhatsApp: the provider's approved template sent outside the 24-hour window.</summary>
    public string? ProviderTemplate { get; init; }

    /// <summary>WhatsApp: that template's language at the provider (e.g. pt_BR).</summary>
    public string? ProviderLanguage { get; init; }

    /// <summary>True: the platform's default (version 0), used until a stored template of the same key, channel and locale replaces it.</summary>
    public required bool Default { get; init; }

    /// <summary>The version (also the ETag); 0 for a default.</summary>
    public required long Version { get; init; }

    /// <summary>When this version was stored (UTC); null for a default.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>A template to store under its key, channel and locale (given by the path).</summary>
public sealed record MessageTemplateRequest
{
    /// <summary>transactional or marketing.</summary>
    public string? Purpose { get; init; }

    /// <summary>E-mail: required, one line of Liquid, at most 500 characters. SMS and WhatsApp: not allowed.</summary>
    public string? Subject { get; init; }

    /// <summary>Liquid, at most 20,000 characters (SMS: 1,600; WhatsApp: 4,096).</summary>
    public string? Body { get; init; }

    /// <summary>WhatsApp only: the provider's approved template name (lower-case letters, digits, '_').</summary>
    public string? ProviderTemplate { get; init; }

    /// <summary>WhatsApp only, with providerTemplate: its language code at the provider (e.g. en, pt_BR).</summary>
    public string? ProviderLanguage { get; init; }
}

/// <summary>What to preview a template with.</summary>
public sealed record TemplatePreviewRequest
{
    /// <summary>email, sms or whatsapp.</summary>
    public string? Channel { get; init; }

    /// <summary>The locale to render for (default: the contact's, else the default locale); falls back to its language, then the default locale.</summary>
    public string? Locale { get; init; }

    /// <summary>A contact whose data (from Contacts) fills contact.*.</summary>
    public string? ContactId { get; init; }

    /// <summary>Values by group and field (contact, lead, rep, order), e.g. { "rep": { "name": "Grace" } }: texts, numbers or true/false; they override the contact's.</summary>
    public Dictionary<string, Dictionary<string, JsonElement>>? Variables { get; init; }
}

/// <summary>A rendered template.</summary>
public sealed record TemplatePreviewResponse
{
    /// <summary>The template's key.</summary>
    public required string Key { get; init; }

    /// <summary>The channel.</summary>
    public required string Channel { get; init; }

    /// <summary>The locale of the template that was used (after fallback).</summary>
    public required string Locale { get; init; }

    /// <summary>That template's version (0: the default).</summary>
    public required long Version { get; init; }

    /// <summary>The rendered subject (e-mail; empty otherwise).</summary>
    public required string Subject { get; init; }

    /// <summary>The rendered plain-text body.</summary>
    public required string Body { get; init; }
}
