using System.Text.RegularExpressions;

namespace Crm.Contacts.Segments;

/// <summary>The kind of a field a rule may name, which decides the operators and operands it takes.</summary>
public enum FieldKind
{
    /// <summary>A string compared ignoring case (eq, ne, in, contains as a substring, exists).</summary>
    Text,
    /// <summary>A number (eq, ne, in, gt, gte, lt, lte, between).</summary>
    Number,
    /// <summary>true or false (eq, ne).</summary>
    Bool,
    /// <summary>An instant or a date (comparisons with a date, between, olderThan, withinLast, exists).</summary>
    Instant,
    /// <summary>A list of strings (contains, exists: not empty).</summary>
    List,
    /// <summary>A custom field: its stored value decides (string, number, boolean, date as a string).</summary>
    Custom,
}

/// <summary>The fixed, documented set of fields a segment rule may name (also in the README and the OpenAPI description).</summary>
public static partial class SegmentFields
{
    public const string CustomFieldPrefix = "customFields.";
    public const string ConsentPrefix = "consent.";
    public const string TotalSpentPrefix = "summary.totalSpent.";

    public static readonly IReadOnlyDictionary<string, FieldKind> Fixed = new Dictionary<string, FieldKind>(StringComparer.Ordinal)
    {
        ["lifecycleStage"] = FieldKind.Text,
        ["tags"] = FieldKind.List,
        ["country"] = FieldKind.Text,
        ["region"] = FieldKind.Text,
        ["locale"] = FieldKind.Text,
        ["timeZone"] = FieldKind.Text,
        ["birthday"] = FieldKind.Instant,
        ["createdAt"] = FieldKind.Instant,
        ["consent.email"] = FieldKind.Text,
        ["consent.sms"] = FieldKind.Text,
        ["consent.whatsapp"] = FieldKind.Text,
        ["consent.phone"] = FieldKind.Text,
        ["doNotContact"] = FieldKind.Bool,
        ["summary.orders"] = FieldKind.Number,
        ["summary.firstOrderAt"] = FieldKind.Instant,
        ["summary.lastOrderAt"] = FieldKind.Instant,
        ["summary.lastMessageAt"] = FieldKind.Instant,
        ["summary.lastInteractionAt"] = FieldKind.Instant,
        ["rfm.recency"] = FieldKind.Number,
        ["rfm.frequency"] = FieldKind.Number,
        ["rfm.monetary"] = FieldKind.Number,
        ["rfm.tier"] = FieldKind.Text,
    };

    /// <summary>Values a text field can only hold (anything else can never match: a typo is a 400).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Closed = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["lifecycleStage"] = ["subscriber", "lead", "opportunity", "customer", "churned"],
        ["consent.email"] = ["granted", "withdrawn", "unknown"],
        ["consent.sms"] = ["granted", "withdrawn", "unknown"],
        ["consent.whatsapp"] = ["granted", "withdrawn", "unknown"],
        ["consent.phone"] = ["granted", "withdrawn", "unknown"],
    };

    /// <summary>The field's kind, or null for a field not in the set.</summary>
    public static FieldKind? KindOf(string field)
    {
        if (Fixed.TryGetValue(field, out var kind))
        {
            return kind;
        }

        if (field.StartsWith(CustomFieldPrefix, StringComparison.Ordinal) && CustomKey().IsMatch(field[CustomFieldPrefix.Length..]))
        {
            return FieldKind.Custom;
        }

        return field.StartsWith(TotalSpentPrefix, StringComparison.Ordinal) && Currency().IsMatch(field[TotalSpentPrefix.Length..])
            ? FieldKind.Number
            : null;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex CustomKey();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex Currency();
}
