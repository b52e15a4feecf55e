using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Templates;

/// <summary>A rendered message: subject (e-mail only, else empty) and plain-text body.</summary>
public sealed record RenderedMessage(string Subject, string Body);

/// <summary>The template used and what it rendered to, or the variables it lacked (every one of them).</summary>
public sealed record TemplateRender(MessageTemplate Template, RenderedMessage? Message, IReadOnlyList<MissingVariable> Missing)
{
    public bool Succeeded => Message is not null;
}

/// <summary>Config section <c>Templates</c>: the locale templates fall back to.</summary>
public sealed class TemplateSettings : ICheckedSettings
{
    public const string Section = "Templates";

    /// <summary>Tried after the contact's locale and its language (default <c>en</c>, the locale of the defaults).</summary>
    public string DefaultLocale { get; set; } = DefaultTemplates.Locale;

    public IEnumerable<string> Errors()
    {
        if (Locales.Normalize(DefaultLocale) is null)
        {
            yield return $"{Section}:DefaultLocale must be a locale such as 'en' or 'pt-BR', not '{DefaultLocale}'.";
        }
    }
}

/// <summary>
/// Finds a template for a contact's locale (<see cref="Locales.Fallback"/>; a stored template before the code default
/// of the same locale) and renders it with <see cref="LiquidTemplates"/>: the subject on one line, the body as text.
/// </summary>
public sealed class TemplateRenderer(IDocumentStore store, TemplateSettings options)
{
    /// <summary>The locale tried last (<c>Templates:DefaultLocale</c>).</summary>
    public string DefaultLocale => options.DefaultLocale;

    /// <summary>The template of <paramref name="key"/> and <paramref name="channel"/> for <paramref name="locale"/>, or null when there is none in any fallback locale.</summary>
    public async Task<MessageTemplate?> FindAsync(string key, string channel, string? locale, CancellationToken cancellationToken)
    {
        foreach (var candidate in Locales.Fallback(locale, options.DefaultLocale))
        {
            var found = await store.GetAsync(TemplateCollections.Templates, MessageTemplate.IdOf(key, channel, candidate), cancellationToken)
                        ?? DefaultTemplates.Find(key, channel, candidate);
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Finds and renders; null when there is no such template.</summary>
    public async Task<TemplateRender?> RenderAsync(string key, string channel, string? locale, TemplateModel model, CancellationToken cancellationToken) =>
        await FindAsync(key, channel, locale, cancellationToken) is { } template ? Render(template, model) : null;

    /// <summary>Renders <paramref name="template"/> over <paramref name="model"/>: both parts, so every missing variable is named at once.</summary>
    public static TemplateRender Render(MessageTemplate template, TemplateModel model)
    {
        var subject = template.Subject is null ? new LiquidResult(string.Empty, []) : LiquidTemplates.Render(template.Subject, model, singleLine: true);
        var body = LiquidTemplates.Render(template.Body, model);
        var missing = subject.Missing.Concat(body.Missing).DistinctBy(m => m.Path).ToList();
        return missing.Count > 0
            ? new TemplateRender(template, null, missing)
            : new TemplateRender(template, new RenderedMessage(subject.Text!, body.Text!), []);
    }
}
