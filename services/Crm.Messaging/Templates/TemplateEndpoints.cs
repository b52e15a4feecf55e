using System.Text.Json;
using System.Text.RegularExpressions;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Messaging.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Messaging.Templates;

/// <summary><c>/api/messaging/templates</c>: list, read, store, delete and preview message templates.</summary>
public static partial class TemplateEndpoints
{
    private const string What = "template";
    private const string Route = "/templates/{key}/{channel}/{locale}";

    private static readonly MessageTemplateRequest Example = new()
    {
        Purpose = TemplateChannels.Transactional,
        Subject = "Welcome, {{ contact.first_name | default: \"there\" }}!",
        Body = "Hello {{ contact.first_name | default: \"there\" }},\n\n{{ rep.name }} will call you shortly.",
    };

    public static RouteGroupBuilder MapTemplateEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/templates", ListAsync)
            .WithName("ListMessageTemplates")
            .WithSummary("List message templates")
            .WithDescription("Every template by key, channel and locale: the stored ones and the platform's defaults (`default: true`, version 0) that no stored template replaces. `key` lists one key's. Needs `messaging:read`.")
            .WithParameterDescription("key", "Only this template key (e.g. `welcome`).")
            .Produces<Page<MessageTemplateResponse>>()
            .ProducesValidationProblem();
        group.MapGet(Route, GetAsync)
            .WithName("GetMessageTemplate")
            .WithSummary("Get a message template")
            .WithDescription("The stored template of this key, channel and locale, else the platform's default (version 0); the `ETag` is the version. No fallback to other locales here (see preview). Needs `messaging:read`.")
            .WithParameterDescription("key", "The template key (e.g. `welcome`, `follow-up-1`).")
            .WithParameterDescription("channel", "`email`, `sms` or `whatsapp`.")
            .WithParameterDescription("locale", "BCP 47 locale, e.g. `en` or `pt-BR`.")
            .Produces<MessageTemplateResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut(Route, PutAsync)
            .RequireAccess(Access.Admin)
            .WithName("PutMessageTemplate")
            .WithSummary("Create or replace a message template")
            .WithDescription("Stores the template of this key, channel and locale (it replaces the platform's default of the same three). Subject and body are Liquid " +
                "over `contact` (first_name, name, email, phone, locale, country, birthday, time_zone), `lead` (what the event or caller gives: id, grade, score, source...), " +
                "`rep` (id, name, email) and `order` (id, reference, total, currency, items_count); a variable without a value fails the preview and blocks the send unless it has a " +
                "`| default: \"…\"`. Email needs `subject` (one line); SMS and WhatsApp take no subject; `providerTemplate` / `providerLanguage` only for WhatsApp. " +
                "400 names every bad field: a Liquid syntax error with its line and column, a variable the model does not have (`{{ name }}`, `contact.frist_name`). `If-Match` with the current version (0 while the default is used) guards " +
                "against lost updates (412). An unknown channel or a malformed locale is a 404 (no such template can exist). Needs `messaging:admin`.")
            .WithParameterDescription("key", "The template key: lower-case letters, digits and '-', at most 64 (e.g. `follow-up-1`).")
            .WithParameterDescription("channel", "`email`, `sms` or `whatsapp`.")
            .WithParameterDescription("locale", "BCP 47 locale, e.g. `en` or `pt-BR`.")
            .WithParameterDescription("If-Match", "Replace only this version; `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(Example)
            .Produces<MessageTemplateResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapDelete(Route, DeleteAsync)
            .RequireAccess(Access.Admin)
            .WithName("DeleteMessageTemplate")
            .WithSummary("Delete a stored message template")
            .WithDescription("Deletes the stored template; the platform's default of the same key, channel and locale (if any) applies again. 404 when none is stored. `If-Match` guards against deleting a version you have not seen (412). Needs `messaging:admin`.")
            .WithParameterDescription("key", "The template key.")
            .WithParameterDescription("channel", "`email`, `sms` or `whatsapp`.")
            .WithParameterDescription("locale", "BCP 47 locale.")
            .WithParameterDescription("If-Match", "Delete only this version; `*` or none: any version. A stale version is a 412.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapPost("/templates/{key}/preview", PreviewAsync)
            .RequireAccess(Access.Read)
            .WithName("PreviewMessageTemplate")
            .WithSummary("Preview a message template")
            .WithDescription("Renders the template of this key for a channel and locale — the locale given, else the contact's, falling back to its language and then " +
                "the default locale (`Templates:DefaultLocale`) — over the contact's data (`contactId`, read from Contacts now) and `variables`. 422 lists every variable " +
                "the template uses without a value (`errors`, by variable path: `contact.first_name`), exactly what would block the send. 404 when the key has no " +
                "template for the channel in any of those locales. Reps and team leads cannot preview with a contact's data (403). Nothing is stored or sent. Needs `messaging:read`.")
            .WithParameterDescription("key", "The template key (e.g. `welcome`).")
            .WithRequestExample(new TemplatePreviewRequest
            {
                Channel = TemplateChannels.Email,
                Locale = "pt-BR",
                Variables = new()
                {
                    ["contact"] = new() { ["name"] = JsonSerializer.SerializeToElement("Ada Lovelace") },
                    ["rep"] = new() { ["name"] = JsonSerializer.SerializeToElement("Grace Hopper") },
                },
            })
            .Produces<TemplatePreviewResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    private static async Task<IResult> ListAsync(string? key, IDocumentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var only = string.IsNullOrWhiteSpace(key) ? null : key.Trim();
        if (only is not null && !KeyShape().IsMatch(only))
        {
            errors.Add("key", "A template key: lower-case letters, digits and '-', at most 64.");
        }

        errors.ThrowIfAny();
        var stored = await store.FindAsync(TemplateQueries.List(only).Take(MaxListed), cancellationToken);
        var ids = stored.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var items = stored
            .Concat(DefaultTemplates.All.Where(d => (only is null || d.Key == only) && !ids.Contains(d.Id)))
            .OrderBy(t => t.Key, StringComparer.Ordinal).ThenBy(t => t.Channel, StringComparer.Ordinal).ThenBy(t => t.Locale, StringComparer.Ordinal)
            .Select(t => t.ToResponse())
            .ToList();
        return Results.Ok(new Page<MessageTemplateResponse> { Items = items, NextCursor = null });
    }

    /// <summary>The list is not paged: templates are few (a key per message kind, a locale per language served).</summary>
    private const int MaxListed = 1000;

    private static async Task<IResult> GetAsync(string key, string channel, string locale, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var id = IdOrNotFound(key, channel, locale);
        var template = await store.GetAsync(TemplateCollections.Templates, id.Id, cancellationToken)
                       ?? DefaultTemplates.Find(id.Key, id.Channel, id.Locale)
                       ?? throw ProblemException.NotFound("Template", id.Id);
        http.Response.SetETag(template.Version);
        return Results.Ok(template.ToResponse());
    }

    private static Task<IResult> PutAsync(
        string key, string channel, string locale, MessageTemplateRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        var id = IdOrNotFound(key, channel, locale);
        var errors = new ValidationErrors();
        var parsed = Parse(id, request, errors);
        errors.ThrowIfAny();
        var actor = http.Actor();
        return SettingsDocuments.PutAsync(
            unit, http, ifMatch, What, TemplateCollections.Templates, id.Id,
            version => parsed! with { Version = version, UpdatedAt = unit.Now, UpdatedBy = actor.Id },
            t => t.ToResponse(),
            cancellationToken);
    }

    private static async Task<IResult> DeleteAsync(
        string key, string channel, string locale, [FromHeader(Name = "If-Match")] string? ifMatch, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var id = IdOrNotFound(key, channel, locale);
        var expected = ETags.ExpectedVersion(ifMatch, What);
        var current = await unit.GetAsync(TemplateCollections.Templates, id.Id, cancellationToken)
                      ?? throw ProblemException.NotFound("Stored template", id.Id);
        ETags.CheckVersion(expected, current.Version, What);
        unit.Delete(TemplateCollections.Templates, Filter<MessageTemplate>.Eq(t => t.Id, current.Id) & Filter<MessageTemplate>.Eq(t => t.Version, current.Version), expectOne: true);
        await unit.CommitAsync(cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> PreviewAsync(
        string key, TemplatePreviewRequest request, TemplateRenderer renderer, IContactDirectory contacts, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var channel = request.Channel?.Trim();
        if (channel is null || !TemplateChannels.All.Contains(channel, StringComparer.Ordinal))
        {
            errors.Add("channel", "Required: email, sms or whatsapp.");
        }

        var locale = Locales.Normalize(request.Locale);
        if (request.Locale is not null && locale is null)
        {
            errors.Add("locale", "A locale such as 'en' or 'pt-BR'.");
        }

        var contactId = string.IsNullOrWhiteSpace(request.ContactId) ? null : request.ContactId.Trim();
        if (request.ContactId is not null && (contactId is null || contactId.Length > 100))
        {
            errors.Add("contactId", "A contact id (at most 100 characters), or leave it out.");
        }

        var variables = ReadVariables(request.Variables, errors);
        errors.ThrowIfAny();
        if (!KeyShape().IsMatch(key))
        {
            throw ProblemException.NotFound("Template", key);
        }

        var model = new TemplateModel();
        if (contactId is not null)
        {
            if (http.Caller() is { SeesEverything: false })
            {
                // Messaging cannot tell which contacts a rep may see; the preview would show any contact's data.
                throw new ProblemException(StatusCodes.Status403Forbidden, "Forbidden.", "Previewing with a contact's data needs a manager, an administrator or an API key; preview with variables instead.");
            }

            var contact = await contacts.GetContactAsync(contactId, cancellationToken)
                          ?? throw new RequestValidationException("contactId", "Contacts does not know this contact.");
            model = TemplateModel.Of(contact);
            locale ??= Locales.Normalize(contact.Locale);
        }

        foreach (var (root, member, value) in variables)
        {
            model.Set(root, member, value);
        }

        var render = await renderer.RenderAsync(key, channel!, locale, model, cancellationToken)
                     ?? throw ProblemException.NotFound("Template", $"{key}:{channel} (in {string.Join(", ", Locales.Fallback(locale, renderer.DefaultLocale))})");
        if (render.Message is not { } message)
        {
            return Results.ValidationProblem(
                render.Missing.ToDictionary(m => m.Path, m => new[] { m.Reason }, StringComparer.Ordinal),
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "The template uses variables without a value.",
                detail: $"Template {render.Template.Id} (version {render.Template.Version}) lacks {string.Join(", ", render.Missing.Select(m => m.Path))}: a send would be blocked. Give the values, or use a default (| default: \"…\") in the template.");
        }

        return Results.Ok(new TemplatePreviewResponse
        {
            Key = render.Template.Key,
            Channel = render.Template.Channel,
            Locale = render.Template.Locale,
            Version = render.Template.Version,
            Subject = message.Subject,
            Body = message.Body,
        });
    }

    /// <summary>The path's template id; 404 when no template can have it (an unknown channel, a malformed key or locale).</summary>
    private static (string Id, string Key, string Channel, string Locale) IdOrNotFound(string key, string channel, string locale)
    {
        var normalized = Locales.Normalize(locale);
        if (!KeyShape().IsMatch(key) || !TemplateChannels.All.Contains(channel, StringComparer.Ordinal) || normalized is null)
        {
            throw ProblemException.NotFound("Template", $"{key}/{channel}/{locale}");
        }

        return (MessageTemplate.IdOf(key, channel, normalized), key, channel, normalized);
    }

    /// <summary>The request as a template (version and audit fields set by the caller); every bad field in <paramref name="errors"/>.</summary>
    internal static MessageTemplate? Parse((string Id, string Key, string Channel, string Locale) id, MessageTemplateRequest request, ValidationErrors errors)
    {
        var purpose = request.Purpose?.Trim();
        if (purpose is null || !TemplateChannels.Purposes.Contains(purpose, StringComparer.Ordinal))
        {
            errors.Add("purpose", "Required: transactional or marketing.");
        }

        var email = id.Channel == TemplateChannels.Email;
        if (email)
        {
            if (string.IsNullOrWhiteSpace(request.Subject))
            {
                errors.Add("subject", "Required for an e-mail template.");
            }
            else if (request.Subject.Length > 500 || request.Subject.Any(char.IsControl))
            {
                errors.Add("subject", "One line of at most 500 characters.");
            }
            else
            {
                CheckLiquid("subject", request.Subject, singleLine: true, errors);
            }
        }
        else if (request.Subject is not null)
        {
            errors.Add("subject", $"A {id.Channel} template has no subject.");
        }

        var maxBody = id.Channel switch { TemplateChannels.Sms => 1600, TemplateChannels.WhatsApp => 4096, _ => 20_000 };
        if (string.IsNullOrWhiteSpace(request.Body))
        {
            errors.Add("body", "Required.");
        }
        else if (request.Body.Length > maxBody)
        {
            errors.Add("body", $"At most {maxBody} characters for {id.Channel}.");
        }
        else
        {
            CheckLiquid("body", request.Body, singleLine: false, errors);
        }

        if (id.Channel == TemplateChannels.WhatsApp)
        {
            if (request.ProviderTemplate is not null && !ProviderTemplateShape().IsMatch(request.ProviderTemplate))
            {
                errors.Add("providerTemplate", "The provider's template name: lower-case letters, digits and '_', at most 512.");
            }

            if (request.ProviderLanguage is not null && (request.ProviderTemplate is null || !ProviderLanguageShape().IsMatch(request.ProviderLanguage)))
            {
                errors.Add("providerLanguage", request.ProviderTemplate is null ? "Only with providerTemplate." : "A language code such as en or pt_BR.");
            }
        }
        else
        {
            if (request.ProviderTemplate is not null)
            {
                errors.Add("providerTemplate", "Only for WhatsApp templates.");
            }

            if (request.ProviderLanguage is not null)
            {
                errors.Add("providerLanguage", "Only for WhatsApp templates.");
            }
        }

        return errors.IsEmpty
            ? new MessageTemplate
            {
                Id = id.Id,
                Key = id.Key,
                Channel = id.Channel,
                Locale = id.Locale,
                Purpose = purpose!,
                Subject = email ? request.Subject!.Trim() : null,
                Body = request.Body!,
                ProviderTemplate = request.ProviderTemplate,
                ProviderLanguage = request.ProviderLanguage,
            }
            : null;
    }

    /// <summary>Valid Liquid, and every variable it prints one the model has (rendered over <see cref="TemplateModel.Sample"/>).</summary>
    private static void CheckLiquid(string field, string text, bool singleLine, ValidationErrors errors)
    {
        if (LiquidTemplates.TryParse(text, out var error) is null)
        {
            errors.Add(field, $"Not valid Liquid: {error}");
            return;
        }

        foreach (var unknown in LiquidTemplates.Render(text, TemplateModel.Sample(), singleLine).Missing.Where(m => m.Unknown))
        {
            errors.Add(field, $"{unknown.Path}: {unknown.Reason}");
        }
    }

    /// <summary>The preview's variables: known groups and fields only, each a text, a number or true/false.</summary>
    internal static List<(string Root, string Member, object? Value)> ReadVariables(Dictionary<string, Dictionary<string, JsonElement>>? variables, ValidationErrors errors)
    {
        var values = new List<(string, string, object?)>();
        foreach (var (root, members) in variables ?? [])
        {
            if (!TemplateModel.Fields.TryGetValue(root, out var allowed))
            {
                errors.Add($"variables.{root}", "Not a group of template variables: contact, lead, rep or order.");
                continue;
            }

            foreach (var (member, element) in members ?? [])
            {
                var field = $"variables.{root}.{member}";
                if (!TemplateModel.IsVariable(root, member))
                {
                    errors.Add(field, allowed is null ? "A field name: lower-case letters, digits and '_'." : $"Not a field of {root}: {string.Join(", ", allowed)}.");
                    continue;
                }

                object? value = element.ValueKind switch
                {
                    JsonValueKind.String => element.GetString(),
                    JsonValueKind.Number when element.TryGetDecimal(out var number) => number,
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    _ => Invalid,
                };
                if (ReferenceEquals(value, Invalid) || value is string { Length: > 2000 })
                {
                    errors.Add(field, "A text (at most 2,000 characters), a number, true/false or null.");
                    continue;
                }

                values.Add((root, member, value));
            }
        }

        return values;
    }

    private static readonly object Invalid = new();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex KeyShape();

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex ProviderTemplateShape();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Z]{2})?$")]
    private static partial Regex ProviderLanguageShape();
}
