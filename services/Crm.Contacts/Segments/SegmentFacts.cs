using System.Globalization;
using System.Text.Json;
using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Orders;

namespace Crm.Contacts.Segments;

/// <summary>One value a rule compares: a string, a number, a boolean or an instant (dates are midnight UTC).</summary>
public readonly record struct Fact
{
    public FactKind Kind { get; private init; }
    public string? Text { get; private init; }
    public decimal Number { get; private init; }
    public bool Bool { get; private init; }
    public DateTimeOffset Instant { get; private init; }

    public static Fact Of(string text) => new() { Kind = FactKind.Text, Text = text };

    public static Fact Of(decimal number) => new() { Kind = FactKind.Number, Number = number };

    public static Fact Of(bool value) => new() { Kind = FactKind.Bool, Bool = value };

    public static Fact Of(DateTimeOffset instant) => new() { Kind = FactKind.Instant, Instant = instant };

    public static Fact Of(DateOnly date) => Of(new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    /// <summary>A JSON scalar (a custom field's value, a rule's operand); null for anything else.</summary>
    public static Fact? Of(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.String => Of(json.GetString()!),
        JsonValueKind.Number when json.TryGetDecimal(out var d) => Of(d),
        JsonValueKind.True => Of(true),
        JsonValueKind.False => Of(false),
        _ => null,
    };

    /// <summary>An ISO 8601 date (<c>2026-12-24</c>, midnight UTC) or date-time with an offset.</summary>
    public static bool TryParseInstant(string? text, out DateTimeOffset instant)
    {
        instant = default;
        if (text is null)
        {
            return false;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            instant = Of(date).Instant;
            return true;
        }

        return text.Length > 10 && text[10] == 'T'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out instant);
    }

    /// <summary>This fact as an instant (an instant, or a text holding a date).</summary>
    public DateTimeOffset? AsInstant() =>
        Kind == FactKind.Instant ? Instant : Kind == FactKind.Text && TryParseInstant(Text, out var at) ? at : null;

    /// <summary>Equal (texts ignoring case; a date text equals its instant).</summary>
    public bool EqualTo(Fact other) => Compare(other) == 0;

    /// <summary>The order of two facts of one kind (a date text compares as an instant); null when they cannot be compared.</summary>
    public int? Compare(Fact other)
    {
        if (Kind == other.Kind)
        {
            return Kind switch
            {
                FactKind.Text => string.Compare(Text, other.Text, StringComparison.OrdinalIgnoreCase),
                FactKind.Number => Number.CompareTo(other.Number),
                FactKind.Bool => Bool == other.Bool ? 0 : Bool.CompareTo(other.Bool),
                _ => Instant.CompareTo(other.Instant),
            };
        }

        return AsInstant() is { } a && other.AsInstant() is { } b ? a.CompareTo(b) : null;
    }
}

public enum FactKind
{
    Text,
    Number,
    Bool,
    Instant,
}

/// <summary>
/// What the rules may ask about one contact (pure): the profile, consent, the behavioural summary and the RFM score /
/// tier last computed. A field without a value (no country, no order yet) answers null; lists (tags) answer as a list.
/// </summary>
public sealed class SegmentFacts(Contact contact, ContactConsent? consent, CustomerSummary? summary)
{
    public string ContactId => contact.Id;

    /// <summary>The field's value, or null when the contact has none.</summary>
    public Fact? Get(string field)
    {
        if (field.StartsWith(SegmentFields.CustomFieldPrefix, StringComparison.Ordinal))
        {
            return contact.CustomFields.TryGetValue(field[SegmentFields.CustomFieldPrefix.Length..], out var value) ? Fact.Of(value) : null;
        }

        if (field.StartsWith(SegmentFields.TotalSpentPrefix, StringComparison.Ordinal))
        {
            var currency = field[SegmentFields.TotalSpentPrefix.Length..];
            var total = summary?.Totals.FirstOrDefault(t => t.Currency == currency);
            return Fact.Of((total?.Cents ?? 0) / 100m);
        }

        if (field.StartsWith(SegmentFields.ConsentPrefix, StringComparison.Ordinal))
        {
            return Fact.Of(consent?.StatusOf(field[SegmentFields.ConsentPrefix.Length..]) ?? "unknown");
        }

        return field switch
        {
            "lifecycleStage" => Fact.Of(contact.LifecycleStage.ToString().ToLowerInvariant()),
            "country" => Text(contact.Country),
            "region" => Text(contact.Region),
            "locale" => Text(contact.Locale),
            "timeZone" => Text(contact.TimeZone),
            "birthday" => contact.Birthday is { } birthday ? Fact.Of(birthday) : null,
            "createdAt" => Fact.Of(contact.CreatedAt),
            "doNotContact" => Fact.Of(consent?.IsDoNotContact == true),
            "summary.orders" => Fact.Of(summary?.Orders ?? 0),
            "summary.firstOrderAt" => At(summary?.FirstOrderAt),
            "summary.lastOrderAt" => At(summary?.LastOrderAt),
            "summary.lastMessageAt" => At(summary?.LastMessageAt),
            "summary.lastInteractionAt" => At(summary?.LastInteractionAt),
            "rfm.recency" => Fact.Of(summary?.Loyalty.Recency ?? 0),
            "rfm.frequency" => Fact.Of(summary?.Loyalty.Frequency ?? 0),
            "rfm.monetary" => Fact.Of(summary?.Loyalty.Monetary ?? 0),
            "rfm.tier" => Text(summary?.Loyalty.Tier),
            _ => null,
        };
    }

    /// <summary>A list field's values (tags).</summary>
    public IReadOnlyList<string> GetList(string field) => field == "tags" ? contact.Tags : [];

    private static Fact? Text(string? value) => value is null ? null : Fact.Of(value);

    private static Fact? At(DateTimeOffset? value) => value is { } at ? Fact.Of(at) : null;
}
