using System.Text.Json;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;

namespace Crm.Messaging.Journeys;

/// <summary>What an event says about a contact, as a journey trigger reads it: the contact, the lead and the fields.</summary>
public sealed record JourneyFact(string ContactId, string? LeadId, IReadOnlyDictionary<string, IReadOnlyList<string>> Fields);

/// <summary>The events that enroll contacts into journeys, and their fields (pure).</summary>
public static class JourneyEvents
{
    public static readonly IReadOnlyList<string> Triggers =
        [nameof(LeadAssigned), nameof(SegmentMembershipChanged), nameof(InteractionRecorded), nameof(OrderPlaced), nameof(ContactUpdated)];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The facts of <paramref name="e"/>: one per contact it is about (an <see cref="InteractionRecorded"/>: one per
    /// interaction). Fields: the top-level properties in camelCase, scalars as text (times ISO 8601, booleans
    /// <c>true</c>/<c>false</c>), lists of scalars as their items; nested objects are left out.
    /// </summary>
    public static IReadOnlyList<JourneyFact> FactsOf(object e) => e switch
    {
        InteractionRecorded recorded => [.. recorded.Interactions.Select(i => Fact(i))],
        _ => [Fact(e)],
    };

    private static JourneyFact Fact(object e)
    {
        var fields = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var property in JsonSerializer.SerializeToElement(e, e.GetType(), Json).EnumerateObject())
        {
            var values = property.Value.ValueKind == JsonValueKind.Array
                ? property.Value.EnumerateArray().Select(Scalar).OfType<string>().ToList()
                : Scalar(property.Value) is { } one ? [one] : [];
            if (values.Count > 0 || property.Value.ValueKind == JsonValueKind.Array)
            {
                fields[property.Name] = values;
            }
        }

        var contactId = fields.TryGetValue("contactId", out var c) && c.Count == 1 ? c[0] : string.Empty;
        var leadId = fields.TryGetValue("leadId", out var l) && l.Count == 1 ? l[0] : null;
        return new JourneyFact(contactId, leadId, fields);
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
