using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Http;

namespace Crm.Contacts.Profile;

/// <summary>A member a patch sets (to <see cref="Value"/>, which may be null: cleared). An absent member has no change.</summary>
public sealed record Change<T>(T Value);

/// <summary>What a valid patch changes, normalised; absent members are null.</summary>
public sealed record ContactChanges
{
    public Change<string?>? Name { get; init; }
    public Change<IReadOnlyList<string>>? Emails { get; init; }
    public Change<IReadOnlyList<string>>? Phones { get; init; }
    public Change<IReadOnlyList<ExternalId>>? ExternalIds { get; init; }
    public Change<string?>? Locale { get; init; }
    public Change<string?>? TimeZone { get; init; }
    public Change<string?>? Country { get; init; }
    public Change<string?>? Region { get; init; }
    public Change<DateOnly?>? Birthday { get; init; }
    public Change<PostalAddress?>? Address { get; init; }
    public Change<LifecycleStage>? LifecycleStage { get; init; }
    public Change<IReadOnlyList<string>>? Tags { get; init; }
    /// <summary><c>customFields: null</c>: every value removed (before <see cref="CustomFields"/> applies).</summary>
    public bool ClearCustomFields { get; init; }
    /// <summary>Per key: a checked value to set, or null to remove it.</summary>
    public IReadOnlyDictionary<string, JsonElement?> CustomFields { get; init; } = new Dictionary<string, JsonElement?>();
}

/// <summary>
/// JSON merge patch (RFC 7396) of a contact's profile, pure. <see cref="Parse"/> reads the body on its own (no contact
/// needed: unknown members, types, normalisation, custom field values against their definitions) and reports every
/// bad member at once; <see cref="Apply"/> applies it to the stored contact and checks what needs the whole contact
/// (required custom fields). Absent members are unchanged, null clears; lists are replaced whole (the first e-mail
/// and the first phone are the primary ones; duplicates after normalisation are kept once); <c>customFields</c> is
/// merged per key.
/// </summary>
public static class ContactPatch
{
    public static readonly IReadOnlyList<string> Members =
        ["name", "emails", "phones", "externalIds", "locale", "timeZone", "country", "region", "birthday", "address", "lifecycleStage", "tags", "customFields"];

    public static ContactChanges Parse(JsonObject patch, FieldDefinitions definitions, string defaultRegion, DateOnly today, ValidationErrors errors)
    {
        var changes = new ContactChanges();
        foreach (var (name, value) in patch)
        {
            switch (name)
            {
                case "name":
                    changes = changes with { Name = Optional(value, name, errors, v => ProfileValues.Text(v, ResolveInput.MaxNameLength)) };
                    break;
                case "emails":
                    changes = changes with { Emails = List(value, name, ProfileValues.MaxEmails, errors, EmailNormalizer.Normalize) };
                    break;
                case "phones":
                    changes = changes with { Phones = List(value, name, ProfileValues.MaxPhones, errors, v => PhoneNormalizer.Normalize(v, defaultRegion)) };
                    break;
                case "tags":
                    changes = changes with { Tags = List(value, name, ProfileValues.MaxTags, errors, ProfileValues.Tag) };
                    break;
                case "externalIds":
                    changes = changes with { ExternalIds = ExternalIds(value, errors) };
                    break;
                case "locale":
                    changes = changes with { Locale = Optional(value, name, errors, ProfileValues.Locale) };
                    break;
                case "timeZone":
                    changes = changes with { TimeZone = Optional(value, name, errors, ProfileValues.TimeZone) };
                    break;
                case "country":
                    changes = changes with { Country = Optional(value, name, errors, ProfileValues.Country) };
                    break;
                case "region":
                    changes = changes with { Region = Optional(value, name, errors, ProfileValues.Region) };
                    break;
                case "birthday":
                    changes = changes with { Birthday = Birthday(value, today, errors) };
                    break;
                case "address":
                    changes = changes with { Address = Address(value, errors) };
                    break;
                case "lifecycleStage":
                    changes = changes with { LifecycleStage = Stage(value, errors) };
                    break;
                case "customFields":
                    changes = CustomFields(changes, value, definitions, errors);
                    break;
                default:
                    errors.Add(name, $"Unknown or read-only field: a patch may change {string.Join(", ", Members)}.");
                    break;
            }
        }

        return changes;
    }

    /// <summary>
    /// The contact with <paramref name="changes"/> applied (version and time unchanged: the caller moves them on) and the
    /// API names of the members whose value changed; a required custom field left without a value is an error.
    /// </summary>
    public static (Contact Contact, IReadOnlyList<string> Changed) Apply(Contact contact, ContactChanges changes, FieldDefinitions definitions, ValidationErrors errors)
    {
        var changed = new List<string>();
        var result = contact;

        T Pick<T>(Change<T>? change, T current, string name, Func<T, T, bool> same)
        {
            if (change is null || same(change.Value, current))
            {
                return current;
            }

            changed.Add(name);
            return change.Value;
        }

        static bool SameList<T>(IReadOnlyList<T> a, IReadOnlyList<T> b) => a.SequenceEqual(b);

        result = result with
        {
            Name = Pick(changes.Name, contact.Name, "name", string.Equals),
            Emails = Pick(changes.Emails, contact.Emails, "emails", SameList),
            Phones = Pick(changes.Phones, contact.Phones, "phones", SameList),
            ExternalIds = Pick(changes.ExternalIds, contact.ExternalIds, "externalIds", SameList),
            Locale = Pick(changes.Locale, contact.Locale, "locale", string.Equals),
            TimeZone = Pick(changes.TimeZone, contact.TimeZone, "timeZone", string.Equals),
            Country = Pick(changes.Country, contact.Country, "country", string.Equals),
            Region = Pick(changes.Region, contact.Region, "region", string.Equals),
            Birthday = Pick(changes.Birthday, contact.Birthday, "birthday", (a, b) => a == b),
            Address = Pick(changes.Address, contact.Address, "address", (a, b) => a == b),
            LifecycleStage = Pick(changes.LifecycleStage, contact.LifecycleStage, "lifecycleStage", (a, b) => a == b),
            Tags = Pick(changes.Tags, contact.Tags, "tags", SameList),
        };

        var fields = changes.ClearCustomFields
            ? new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>(contact.CustomFields, StringComparer.Ordinal);
        foreach (var (key, value) in changes.CustomFields)
        {
            if (value is { } set)
            {
                fields[key] = set;
            }
            else
            {
                fields.Remove(key);
            }
        }

        foreach (var definition in definitions.Definitions.Where(d => d.Required && !fields.ContainsKey(d.Key)))
        {
            errors.Add($"customFields.{definition.Key}", $"Required: '{definition.Label}' must have a value.");
        }

        var sameFields = fields.Count == contact.CustomFields.Count
            && fields.All(f => contact.CustomFields.TryGetValue(f.Key, out var old) && JsonElement.DeepEquals(old, f.Value));
        if (!sameFields)
        {
            changed.Add("customFields");
            result = result with { CustomFields = fields };
        }

        return (result, changed);
    }

    /// <summary>A string member that null clears; a string is normalised by <paramref name="normalize"/>.</summary>
    private static Change<string?>? Optional(JsonNode? value, string name, ValidationErrors errors, Func<string?, NormalizationResult> normalize)
    {
        if (value is null)
        {
            return new Change<string?>(null);
        }

        if (value.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(name, "A string or null.");
            return null;
        }

        var result = normalize(value.GetValue<string>());
        if (!result.IsValid)
        {
            errors.Add(name, Sentence(result.Error));
            return null;
        }

        return new Change<string?>(result.Value);
    }

    /// <summary>A list of strings replaced whole (null: empty), each normalised; duplicates kept once, in order.</summary>
    private static Change<IReadOnlyList<string>>? List(JsonNode? value, string name, int max, ValidationErrors errors, Func<string?, NormalizationResult> normalize)
    {
        if (value is null)
        {
            return new Change<IReadOnlyList<string>>([]);
        }

        if (value is not JsonArray items)
        {
            errors.Add(name, "An array of strings or null.");
            return null;
        }

        if (items.Count > max)
        {
            errors.Add(name, string.Create(CultureInfo.InvariantCulture, $"At most {max}."));
            return null;
        }

        var list = new List<string>(items.Count);
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]");
            if (items[i] is not { } item || item.GetValueKind() != JsonValueKind.String)
            {
                errors.Add(at, "A string.");
                ok = false;
                continue;
            }

            var result = normalize(item.GetValue<string>());
            if (!result.IsValid)
            {
                errors.Add(at, Sentence(result.Error));
                ok = false;
            }
            else if (!list.Contains(result.Value, StringComparer.Ordinal))
            {
                list.Add(result.Value);
            }
        }

        return ok ? new Change<IReadOnlyList<string>>(list) : null;
    }

    private static Change<IReadOnlyList<ExternalId>>? ExternalIds(JsonNode? value, ValidationErrors errors)
    {
        const string name = "externalIds";
        if (value is null)
        {
            return new Change<IReadOnlyList<ExternalId>>([]);
        }

        if (value is not JsonArray items)
        {
            errors.Add(name, "An array of { \"kind\": \"shop\", \"value\": \"C-123\" } or null.");
            return null;
        }

        if (items.Count > ProfileValues.MaxExternalIds)
        {
            errors.Add(name, string.Create(CultureInfo.InvariantCulture, $"At most {ProfileValues.MaxExternalIds}."));
            return null;
        }

        var list = new List<ExternalId>(items.Count);
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]");
            if (items[i] is not JsonObject item || item.Any(p => p.Key is not ("kind" or "value"))
                || item["kind"] is not { } kindNode || kindNode.GetValueKind() != JsonValueKind.String
                || item["value"] is not { } valueNode || valueNode.GetValueKind() != JsonValueKind.String)
            {
                errors.Add(at, "An object { \"kind\": \"shop\", \"value\": \"C-123\" } with these two strings only.");
                ok = false;
                continue;
            }

            var kind = ProfileValues.ExternalKind(kindNode.GetValue<string>());
            var id = ProfileValues.ExternalValue(valueNode.GetValue<string>());
            if (!kind.IsValid || !id.IsValid)
            {
                errors.Add(at, string.Join(" ", new[] { kind.Error, id.Error }.OfType<string>().Select(Sentence)));
                ok = false;
                continue;
            }

            var external = new ExternalId(kind.Value, id.Value);
            if (!list.Contains(external))
            {
                list.Add(external);
            }
        }

        return ok ? new Change<IReadOnlyList<ExternalId>>(list) : null;
    }

    private static Change<DateOnly?>? Birthday(JsonNode? value, DateOnly today, ValidationErrors errors)
    {
        if (value is null)
        {
            return new Change<DateOnly?>(null);
        }

        if (value.GetValueKind() != JsonValueKind.String
            || !DateOnly.TryParseExact(value.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors.Add("birthday", "A date (1990-04-23) or null.");
            return null;
        }

        if (ProfileValues.BirthdayProblem(date, today) is { } problem)
        {
            errors.Add("birthday", Sentence(problem));
            return null;
        }

        return new Change<DateOnly?>(date);
    }

    /// <summary>An address object replaced whole (its parts are one value): null clears it; at least one part, each trimmed.</summary>
    private static Change<PostalAddress?>? Address(JsonNode? value, ValidationErrors errors)
    {
        const string name = "address";
        if (value is null)
        {
            return new Change<PostalAddress?>(null);
        }

        if (value is not JsonObject parts)
        {
            errors.Add(name, "An object { \"street\", \"postalCode\", \"city\" } or null.");
            return null;
        }

        var ok = true;
        string? Part(string part, int max)
        {
            if (!parts.TryGetPropertyValue(part, out var node) || node is null)
            {
                return null;
            }

            var result = node.GetValueKind() == JsonValueKind.String ? ProfileValues.Text(node.GetValue<string>(), max) : NormalizationResult.Invalid("must be a string or null");
            if (!result.IsValid)
            {
                errors.Add($"{name}.{part}", Sentence(result.Error));
                ok = false;
                return null;
            }

            return result.Value;
        }

        foreach (var unknown in parts.Select(p => p.Key).Where(k => k is not ("street" or "postalCode" or "city")))
        {
            errors.Add($"{name}.{unknown}", "Unknown part: an address has street, postalCode and city (the country is 'country').");
            ok = false;
        }

        var address = new PostalAddress(Part("street", ProfileValues.MaxStreet), Part("postalCode", ProfileValues.MaxPostalCode), Part("city", ProfileValues.MaxCity));
        if (ok && address is { Street: null, PostalCode: null, City: null })
        {
            errors.Add(name, "At least one of street, postalCode and city (null clears the address).");
            return null;
        }

        return ok ? new Change<PostalAddress?>(address) : null;
    }

    private static Change<LifecycleStage>? Stage(JsonNode? value, ValidationErrors errors)
    {
        var names = Enum.GetNames<LifecycleStage>().Select(n => n.ToLowerInvariant()).ToList();
        if (value is not null && value.GetValueKind() == JsonValueKind.String && names.Contains(value.GetValue<string>(), StringComparer.Ordinal))
        {
            return new Change<LifecycleStage>(Enum.Parse<LifecycleStage>(value.GetValue<string>(), ignoreCase: true));
        }

        errors.Add("lifecycleStage", $"One of {string.Join(", ", names)} (a stage cannot be cleared).");
        return null;
    }

    private static ContactChanges CustomFields(ContactChanges changes, JsonNode? value, FieldDefinitions definitions, ValidationErrors errors)
    {
        if (value is null)
        {
            return changes with { ClearCustomFields = true };
        }

        if (value is not JsonObject members)
        {
            errors.Add("customFields", "An object of values by key (null removes a key) or null.");
            return changes;
        }

        var fields = new Dictionary<string, JsonElement?>(StringComparer.Ordinal);
        foreach (var (key, member) in members)
        {
            var at = $"customFields.{key}";
            if (definitions.Find(key) is not { } definition)
            {
                errors.Add(at, "Unknown field: define it first (PUT /api/contacts/field-definitions).");
            }
            else if (member is null)
            {
                fields[key] = null;
            }
            else
            {
                using var parsed = JsonDocument.Parse(member.ToJsonString());
                var (checkedValue, error) = definition.Check(parsed.RootElement);
                if (error is not null)
                {
                    errors.Add(at, error);
                }
                else
                {
                    fields[key] = checkedValue;
                }
            }
        }

        return changes with { CustomFields = fields };
    }

    /// <summary>A normaliser's reason (<c>must be ...</c>) as a sentence: <c>Must be ....</c></summary>
    private static string Sentence(string reason) =>
        reason.Length == 0 ? reason : char.ToUpperInvariant(reason[0]) + reason[1..] + (reason.EndsWith('.') ? string.Empty : ".");
}
