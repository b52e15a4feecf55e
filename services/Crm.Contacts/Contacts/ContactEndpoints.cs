using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Contacts.Identity;
using Crm.Contacts.Ownership;
using Crm.Contacts.Profile;
using Crm.Contacts.Timeline;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;
using TimelineEntry = Crm.Contacts.Timeline.TimelineEntry;

namespace Crm.Contacts.Contacts;

/// <summary><c>/api/contacts</c>: the single customer view (list and search, get, profile merge patch).</summary>
public static class ContactEndpoints
{
    /// <summary>Timeline entries returned with a contact, newest first.</summary>
    public const int TimelineLimit = 100;

    public const int MaxQuery = 200;

    private static readonly string[] ListParameters = ["q", "tag", "lifecycleStage", "country", "createdFrom", "createdTo", "limit", "cursor"];

    public static RouteGroupBuilder MapContactEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("", ListAsync)
            .WithName("ListContacts")
            .WithSummary("List and search contacts")
            .WithDescription(
                "Newest first (`createdAt` descending). Filters (all optional, combined): `q` searches: a contact matches when one of its " +
                "identifiers equals `q` after normalisation (an e-mail lower-cased, a phone in E.164 read in the service's default region, " +
                "an external id's value as given, case-sensitive) or when its name starts with `q` (case-insensitive, runs of spaces as " +
                "one: `anna sch` finds `Anna Schmidt`; no match inside a name); `tag` (one tag, case-insensitive); `lifecycleStage`; " +
                "`country` (ISO 3166-1 alpha-2); `createdFrom` / `createdTo` (ISO-8601, from inclusive, to exclusive). Cursor paging " +
                "(`limit` 1..500, default 50; `cursor` from `nextCursor`, with the same filters). Unknown parameters are a 400. A rep " +
                "sees only the contacts of their leads, a team lead those of their team's leads and their own. Items carry no timeline.")
            .Produces<Page<ContactResponse>>()
            .ProducesValidationProblem();

        group.MapGet("/{id}", GetContactAsync)
            .WithName("GetContact")
            .WithSummary("Get a contact")
            .WithDescription($"The single customer view: the person's identities (e-mails and phones, the primary first; external ids), profile and their timeline, newest first (at most {TimelineLimit} entries). `ETag` is its version. A contact merged into another is a 404 whose `mergedInto` names the survivor (when the caller may see it).")
            .WithParameterDescription("id", "The contact's id (`contactId` of a lead or message).")
            .Produces<ContactResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPatch("/{id}", PatchAsync)
            .WithName("UpdateContact")
            .WithSummary("Change a contact's profile")
            .WithDescription(
                "JSON merge patch (`application/merge-patch+json` or JSON): an absent member is unchanged, `null` clears it (a " +
                "`lifecycleStage` cannot be cleared). `emails`, `phones`, `externalIds` and `tags` are replaced whole by the list " +
                "sent (send the full list; `null` or `[]` removes all): the first e-mail and the first phone are the primary ones, so " +
                "reordering changes the primary; values are normalised like identity resolution (e-mails lower-case, phones to E.164 " +
                "in the service's default region, tags lower-case) and duplicates kept once. An e-mail, phone or external id that " +
                "belongs to another contact is a 409 naming the field (it is never moved; merge the contacts instead); one removed " +
                "here is released. `customFields` is merged per key (a value sets it, `null` removes it) and checked against " +
                "`/api/contacts/field-definitions`: unknown keys, wrong types, values not allowed and required fields left empty are " +
                "400s. Every bad field is named at once. `If-Match` with the version guards against lost updates (412). A rep may " +
                "change only a contact of their leads. Publishes `ContactUpdated`.")
            .WithParameterDescription("id", "The contact's id.")
            .WithParameterDescription("If-Match", "Change only this version (`\"3\"`, `W/\"3\"` or `3`, as in `ETag`); `*` or none: any version. A stale version is a 412.")
            .Accepts<UpdateContactRequest>("application/merge-patch+json", "application/json")
            .WithRequestExample(new { locale = "de-DE", timeZone = "Europe/Berlin", tags = new[] { "newsletter", "vip" }, address = new { street = "Hauptstraße 5", postalCode = "10115", city = "Berlin" } })
            .Produces<ContactResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    /// <summary>The 404 of a contact that does not exist or that the caller may not see (the same answer for both).</summary>
    public static ProblemException NotFound(string id) =>
        new(StatusCodes.Status404NotFound, "Contact not found.", $"No contact has the id '{id}'.");

    private static async Task<IResult> GetContactAsync(string id, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var contact = await ContactAccess.VisibleContactAsync(store, http, id, cancellationToken) ?? throw await Merge.MergeLookup.NotFoundAsync(store, http, id, cancellationToken);
        var timeline = await store.FindAsync(TimelineQueries.NewestFirst(id, TimelineLimit), cancellationToken);
        http.Response.SetETag(contact.Version);
        return Results.Ok(ToResponse(contact, timeline));
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDocumentStore store, ContactsOptions options, CancellationToken cancellationToken)
    {
        var q = http.Request.Query;
        var errors = new ValidationErrors();
        foreach (var unknown in q.Keys.Where(k => !ListParameters.Contains(k, StringComparer.Ordinal)))
        {
            errors.Add(unknown, $"Unknown filter: one of {string.Join(", ", ListParameters)}.");
        }

        var search = Text(q, "q", errors);
        var tag = Normalized(q, "tag", errors, ProfileValues.Tag);
        var country = Normalized(q, "country", errors, ProfileValues.Country);
        var stage = Stage(q, errors);
        var from = Time(q, "createdFrom", errors);
        var to = Time(q, "createdTo", errors);
        var take = Paging.Limit(q["limit"], errors);
        var filter = new ContactFilter { Tag = tag, Country = country, LifecycleStage = stage, CreatedFrom = from, CreatedTo = to };
        var query = Paging.StartAfter(ContactQueries.List(filter), q["cursor"], errors);
        errors.ThrowIfAny();

        var caller = http.Caller()!;
        if (!caller.SeesEverything)
        {
            var owned = caller switch
            {
                { Kind: CallerIdentity.PersonKind, Role: PersonRoles.TeamLead, TeamId.Length: > 0 } =>
                    OwnershipQueries.OwnedBy(caller.RepId ?? string.Empty, caller.TeamId!, OwnershipQueries.MaxOwned),
                { Kind: CallerIdentity.PersonKind, Role: PersonRoles.Rep or PersonRoles.TeamLead, RepId.Length: > 0 } =>
                    OwnershipQueries.OwnedByRep(caller.RepId!, OwnershipQueries.MaxOwned),
                _ => null,
            };
            if (owned is null)
            {
                return Results.Ok(new Page<ContactResponse> { Items = [] });
            }

            filter = filter with { VisibleIds = [.. (await store.FindAsync(owned, cancellationToken)).Select(o => o.Id)] };
        }

        if (search is not null)
        {
            var values = SearchValues(search, options.DefaultRegion);
            var matches = await store.FindAsync(ContactQueries.IdentitiesWithValue(values), cancellationToken);
            filter = filter with
            {
                SearchIds = [.. matches.Select(m => m.ContactId).Distinct(StringComparer.Ordinal)],
                NamePrefix = ProfileValues.NameKey(search),
            };
        }

        query = Paging.StartAfter(ContactQueries.List(filter), q["cursor"], errors);
        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<ContactResponse> { Items = [.. page.Items.Select(c => ToResponse(c, []))], NextCursor = page.NextCursor });
    }

    /// <summary>What <c>q</c> may be as a stored identifier: as given (an external id), as an e-mail, as a phone.</summary>
    internal static IReadOnlyList<string> SearchValues(string q, string defaultRegion)
    {
        var values = new List<string> { q };
        if (EmailNormalizer.Normalize(q) is { IsValid: true } email)
        {
            values.Add(email.Value);
        }

        if (PhoneNormalizer.Normalize(q, defaultRegion) is { IsValid: true } phone)
        {
            values.Add(phone.Value);
        }

        return [.. values.Distinct(StringComparer.Ordinal)];
    }

    private static async Task<IResult> PatchAsync(
        string id,
        HttpContext http,
        IDocumentStore store,
        ContactProfileEditor editor,
        ContactsOptions options,
        TimeProvider time,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        CancellationToken cancellationToken)
    {
        var patch = await MergePatchBody.ReadAsync(http.Request, cancellationToken);

        // The body is checked on its own first (every bad member at once), before the contact is looked up.
        var definitions = await store.GetAsync(FieldDefinitionCollections.Definitions, FieldDefinitions.DocumentId, cancellationToken) ?? FieldDefinitions.Empty;
        var errors = new ValidationErrors();
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var changes = ContactPatch.Parse(patch, definitions, options.DefaultRegion, today, errors);
        errors.ThrowIfAny();

        var expected = ETags.ExpectedVersion(ifMatch, "contact");
        var contact = await editor.UpdateAsync(id, changes, definitions, http.Caller()!, expected, cancellationToken);
        var timeline = await store.FindAsync(TimelineQueries.NewestFirst(id, TimelineLimit), cancellationToken);
        http.Response.SetETag(contact.Version);
        return Results.Ok(ToResponse(contact, timeline));
    }

    internal static AddressDocument? ToDocument(PostalAddress? address) =>
        address is null ? null : new AddressDocument { Street = address.Street, PostalCode = address.PostalCode, City = address.City };

    internal static ContactResponse ToResponse(Contact contact, IReadOnlyList<TimelineEntry> timeline) => new()
    {
        Id = contact.Id,
        Name = contact.Name,
        Emails = contact.Emails,
        Phones = contact.Phones,
        PrimaryEmail = contact.Emails.Count > 0 ? contact.Emails[0] : null,
        PrimaryPhone = contact.Phones.Count > 0 ? contact.Phones[0] : null,
        ExternalIds = [.. contact.ExternalIds.Select(e => new ExternalIdDocument { Kind = e.Kind, Value = e.Value })],
        Locale = contact.Locale,
        TimeZone = contact.TimeZone,
        Country = contact.Country,
        Region = contact.Region,
        Birthday = contact.Birthday,
        Address = ToDocument(contact.Address),
        LifecycleStage = contact.LifecycleStage,
        Tags = contact.Tags,
        CustomFields = contact.CustomFields,
        CreatedAt = contact.CreatedAt,
        UpdatedAt = contact.UpdatedAt,
        Version = contact.Version,
        Timeline = [.. timeline.Select(t => new Crm.Contracts.Api.Contacts.TimelineEntry
        {
            EventId = t.Id,
            Type = t.Type,
            OccurredAt = t.OccurredAt,
            Summary = t.Summary,
            LeadId = t.LeadId,
        })],
    };

    private static string? Text(IQueryCollection q, string name, ValidationErrors errors)
    {
        var value = q[name].ToString().Trim();
        if (value.Length == 0)
        {
            return null;
        }

        if (q[name].Count > 1 || value.Length > MaxQuery)
        {
            errors.Add(name, string.Create(CultureInfo.InvariantCulture, $"One value of at most {MaxQuery} characters."));
            return null;
        }

        return value;
    }

    private static string? Normalized(IQueryCollection q, string name, ValidationErrors errors, Func<string?, NormalizationResult> normalize)
    {
        var value = Text(q, name, errors);
        if (value is null)
        {
            return null;
        }

        var result = normalize(value);
        if (!result.IsValid)
        {
            errors.Add(name, char.ToUpperInvariant(result.Error[0]) + result.Error[1..] + ".");
            return null;
        }

        return result.Value;
    }

    private static LifecycleStage? Stage(IQueryCollection q, ValidationErrors errors)
    {
        var value = Text(q, "lifecycleStage", errors);
        if (value is null)
        {
            return null;
        }

        var names = Enum.GetNames<LifecycleStage>().Select(n => n.ToLowerInvariant()).ToList();
        if (!names.Contains(value, StringComparer.Ordinal))
        {
            errors.Add("lifecycleStage", $"One of {string.Join(", ", names)}.");
            return null;
        }

        return Enum.Parse<LifecycleStage>(value, ignoreCase: true);
    }

    private static DateTimeOffset? Time(IQueryCollection q, string name, ValidationErrors errors)
    {
        var value = Text(q, name, errors);
        if (value is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            errors.Add(name, "An ISO-8601 time (2026-11-30T08:00:00Z).");
            return null;
        }

        return parsed;
    }
}
