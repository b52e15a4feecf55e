using Crm.Contacts.Identity;
using Crm.Contacts.Profile;
using Crm.ServiceDefaults.Http;

namespace Crm.Contacts.Import;

public enum ImportFieldKind
{
    Name,
    Email,
    Phone,
    ExternalId,
    Locale,
    TimeZone,
    Country,
    Region,
    Birthday,
    Tags,
    LifecycleStage,
    /// <summary>A column the import skips (<c>map=Notes:ignore</c>).</summary>
    Ignore,
}

/// <summary>A contact field a column fills: <c>email</c>, <c>externalId:shop</c> (an external id of kind <c>shop</c>)...</summary>
public sealed record ImportField(ImportFieldKind Kind, string? Scheme = null)
{
    public bool IsIdentity => Kind is ImportFieldKind.Email or ImportFieldKind.Phone or ImportFieldKind.ExternalId;

    public string Name => Kind == ImportFieldKind.ExternalId ? $"externalId:{Scheme}" : ImportMapping.FieldNames[Kind];
}

/// <summary>One imported column: its position in the header, its name and the field it fills.</summary>
public sealed record ImportColumn(int Index, string Column, ImportField Field);

/// <summary>
/// Which column fills which field, pure: the header's columns whose names are field names (any case) map to them, and
/// <c>map=Column:field</c> entries add or override (<c>map=Mobile:phone</c>, <c>map=CustomerNo:externalId:shop</c>,
/// <c>map=Notes:ignore</c>). Every problem is reported at once: a map naming no column of the header or an unknown
/// field, a column or a field mapped twice, a header column that is neither a field nor mapped, no identity column.
/// </summary>
public static class ImportMapping
{
    public static readonly IReadOnlyDictionary<ImportFieldKind, string> FieldNames = new Dictionary<ImportFieldKind, string>
    {
        [ImportFieldKind.Name] = "name",
        [ImportFieldKind.Email] = "email",
        [ImportFieldKind.Phone] = "phone",
        [ImportFieldKind.ExternalId] = "externalId",
        [ImportFieldKind.Locale] = "locale",
        [ImportFieldKind.TimeZone] = "timeZone",
        [ImportFieldKind.Country] = "country",
        [ImportFieldKind.Region] = "region",
        [ImportFieldKind.Birthday] = "birthday",
        [ImportFieldKind.Tags] = "tags",
        [ImportFieldKind.LifecycleStage] = "lifecycleStage",
        [ImportFieldKind.Ignore] = "ignore",
    };

    private static readonly string KnownFields = "name, email, phone, externalId:<kind>, locale, timeZone, country, region, birthday, tags, lifecycleStage, ignore";

    /// <summary>Reads a field name (any case): <c>email</c>, <c>externalId:shop</c>; null with a reason when it is none.</summary>
    public static ImportField? ParseField(string text, out string? error)
    {
        error = null;
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? trimmed : trimmed[..colon];
        var kind = FieldNames.FirstOrDefault(f => string.Equals(f.Value, name, StringComparison.OrdinalIgnoreCase)).Key;
        if (!string.Equals(FieldNames[kind], name, StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{trimmed}' is not a field; one of {KnownFields}";
            return null;
        }

        if (kind != ImportFieldKind.ExternalId)
        {
            if (colon >= 0)
            {
                error = $"'{trimmed}' is not a field; one of {KnownFields}";
                return null;
            }

            return new ImportField(kind);
        }

        var scheme = ProfileValues.ExternalKind(colon < 0 ? null : trimmed[(colon + 1)..]);
        if (!scheme.IsValid)
        {
            error = $"externalId needs its kind (externalId:shop): {scheme.Error}";
            return null;
        }

        return new ImportField(kind, scheme.Value);
    }

    /// <summary>
    /// The imported columns for <paramref name="header"/> and <paramref name="maps"/> (<c>Column:field</c> each), or the
    /// errors in <paramref name="errors"/> (fields <c>map[Column]</c>, <c>columns[Column]</c>, <c>map</c>).
    /// </summary>
    public static IReadOnlyList<ImportColumn> Create(IReadOnlyList<string> header, IReadOnlyList<string> maps, ValidationErrors errors)
    {
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i].Length == 0)
            {
                errors.Add($"columns[{i + 1}]", "the header names no column here");
            }
            else if (!indexOf.TryAdd(header[i], i))
            {
                errors.Add($"columns[{header[i]}]", "appears twice in the header");
            }
        }

        var explicitly = new Dictionary<string, ImportField>(StringComparer.Ordinal);
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var map in maps)
        {
            var colon = map.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                errors.Add("map", $"'{map}' is not Column:field");
                continue;
            }

            var column = map[..colon];
            var key = $"map[{column}]";
            named.Add(column);
            if (!indexOf.ContainsKey(column))
            {
                errors.Add(key, "the header has no such column");
            }

            if (ParseField(map[(colon + 1)..], out var error) is not { } field)
            {
                errors.Add(key, error!);
            }
            else if (!explicitly.TryAdd(column, field))
            {
                errors.Add(key, "the column is mapped twice");
            }
        }

        var columns = new List<ImportColumn>();
        var byField = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (column, index) in indexOf.OrderBy(c => c.Value))
        {
            ImportField? field;
            if (explicitly.TryGetValue(column, out var mapped))
            {
                field = mapped;
            }
            else if (named.Contains(column))
            {
                continue;
            }
            else if ((field = ParseField(column, out _)) is null)
            {
                errors.Add($"columns[{column}]", $"not a contact field: map it (map={column}:field) or skip it (map={column}:ignore)");
                continue;
            }

            if (field.Kind == ImportFieldKind.Ignore)
            {
                continue;
            }

            if (!byField.TryAdd(field.Name, column))
            {
                errors.Add(explicitly.ContainsKey(column) ? $"map[{column}]" : $"columns[{column}]", $"{field.Name} is filled by the column '{byField[field.Name]}' already");
                continue;
            }

            columns.Add(new ImportColumn(index, column, field));
        }

        if (!columns.Any(c => c.Field.IsIdentity))
        {
            errors.Add("map", "no column maps to email, phone or externalId:<kind>: a row needs one to be recognised");
        }

        return columns;
    }
}
