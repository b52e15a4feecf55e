using System.Globalization;
using System.Text.Json;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Profile;

/// <summary>
/// The custom fields of contacts (the one document of <c>contact_field_definitions</c>, id <see cref="DocumentId"/>):
/// replaced whole, guarded by <see cref="Version"/>. <see cref="Check"/> is the one place a value is checked against
/// its definition. Pure.
/// </summary>
public sealed record FieldDefinitions : IDocument
{
    public const string DocumentId = "current";
    public const int MaxDefinitions = 100;
    public const int MaxKey = 50;
    public const int MaxLabel = 100;
    public const int MaxAllowedValues = 100;
    public const int MaxAllowedValue = 100;
    public const int MaxText = 1000;

    /// <summary>None defined: every custom field key is unknown.</summary>
    public static readonly FieldDefinitions Empty = new() { Id = DocumentId, Version = 0 };

    public required string Id { get; init; }
    public IReadOnlyList<FieldDefinition> Definitions { get; init; } = [];
    public DateTimeOffset? UpdatedAt { get; init; }
    public Crm.Contracts.Audit.Actor? UpdatedBy { get; init; }
    /// <summary>0 while none was ever stored.</summary>
    public required long Version { get; init; }

    public FieldDefinition? Find(string key) => Definitions.FirstOrDefault(d => string.Equals(d.Key, key, StringComparison.Ordinal));

    /// <summary>The definitions of a PUT, or null with every bad member in <paramref name="errors"/> (<c>definitions[2].key</c>...).</summary>
    public static IReadOnlyList<FieldDefinition>? Parse(ContactFieldDefinitionsDocument request, ValidationErrors errors)
    {
        var definitions = new List<FieldDefinition>();
        var given = request.Definitions ?? [];
        if (given.Count > MaxDefinitions)
        {
            errors.Add("definitions", string.Create(CultureInfo.InvariantCulture, $"At most {MaxDefinitions} definitions."));
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < given.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"definitions[{i}]");
            var definition = given[i];
            if (definition is null)
            {
                errors.Add(at, "A definition object.");
                continue;
            }

            var key = definition.Key ?? string.Empty;
            if (key.Length is 0 or > MaxKey || !char.IsAsciiLetter(key[0]) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                errors.Add($"{at}.key", $"A letter, then letters, digits or '_', at most {MaxKey} characters.");
            }
            else if (!keys.Add(key))
            {
                errors.Add($"{at}.key", $"'{key}' is defined twice.");
            }

            var label = ProfileValues.Text(definition.Label, MaxLabel);
            if (!label.IsValid)
            {
                errors.Add($"{at}.label", "Label " + label.Error + ".");
            }

            var allowed = definition.AllowedValues ?? [];
            if (definition.Type == CustomFieldType.Enum)
            {
                if (allowed.Count is 0 or > MaxAllowedValues)
                {
                    errors.Add($"{at}.allowedValues", string.Create(CultureInfo.InvariantCulture, $"An enum needs 1 to {MaxAllowedValues} allowed values."));
                }
                else if (allowed.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > MaxAllowedValue || v.Trim() != v))
                {
                    errors.Add($"{at}.allowedValues", string.Create(CultureInfo.InvariantCulture, $"Each value 1 to {MaxAllowedValue} characters, without leading or trailing spaces."));
                }
                else if (allowed.Distinct(StringComparer.Ordinal).Count() != allowed.Count)
                {
                    errors.Add($"{at}.allowedValues", "Each value once.");
                }
            }
            else if (allowed.Count > 0)
            {
                errors.Add($"{at}.allowedValues", "Only an enum has allowed values.");
            }

            definitions.Add(new FieldDefinition(key, label.Value ?? string.Empty, definition.Type, definition.Required, definition.Type == CustomFieldType.Enum ? [.. allowed] : []));
        }

        return errors.IsEmpty ? definitions : null;
    }

    public ContactFieldDefinitionsDocument ToDocument() => new()
    {
        Definitions = [.. Definitions.Select(d => new CustomFieldDefinitionDocument
        {
            Key = d.Key,
            Label = d.Label,
            Type = d.Type,
            Required = d.Required,
            AllowedValues = d.Type == CustomFieldType.Enum ? d.AllowedValues : null,
        })],
        Version = Version,
    };
}

/// <summary>One custom field: its key in <c>customFields</c>, label, type, whether required, and (enum) the values allowed.</summary>
public sealed record FieldDefinition(string Key, string Label, CustomFieldType Type, bool Required, IReadOnlyList<string> AllowedValues)
{
    /// <summary>The value as stored, or why it is not one of this field (phrased as a sentence).</summary>
    public (JsonElement? Value, string? Error) Check(JsonElement value)
    {
        switch (Type)
        {
            case CustomFieldType.Text when value.ValueKind == JsonValueKind.String:
                var text = value.GetString()!;
                return text.Length <= FieldDefinitions.MaxText
                    ? (value.Clone(), null)
                    : (null, string.Create(CultureInfo.InvariantCulture, $"At most {FieldDefinitions.MaxText} characters."));
            case CustomFieldType.Number when value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out _):
                return (value.Clone(), null);
            case CustomFieldType.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return (value.Clone(), null);
            case CustomFieldType.Date when value.ValueKind == JsonValueKind.String
                                          && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _):
                return (value.Clone(), null);
            case CustomFieldType.Enum when value.ValueKind == JsonValueKind.String:
                return AllowedValues.Contains(value.GetString()!, StringComparer.Ordinal)
                    ? (value.Clone(), null)
                    : (null, $"Not allowed: one of {string.Join(", ", AllowedValues)}.");
            default:
                return (null, Type switch
                {
                    CustomFieldType.Text => "A string (text field).",
                    CustomFieldType.Number => "A number (number field).",
                    CustomFieldType.Boolean => "true or false (boolean field).",
                    CustomFieldType.Date => "A date such as 2026-12-24 (date field).",
                    _ => $"One of {string.Join(", ", AllowedValues)} (enum field).",
                });
        }
    }
}

/// <summary>The field definitions' collection (one document, read by id).</summary>
public static class FieldDefinitionCollections
{
    public static readonly DocumentCollection<FieldDefinitions> Definitions = new("contact_field_definitions");
}
