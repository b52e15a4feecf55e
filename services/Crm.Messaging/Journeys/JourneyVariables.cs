using System.Globalization;
using System.Text.Json;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Messaging.Alerts;

namespace Crm.Messaging.Journeys;

/// <summary>
/// The template variables a journey's messages get from the event that enrolled the contact (pure): the trigger's fields
/// kept in the enrollment (<see cref="JourneyEnrollment.Facts"/>), so every later step renders them too. Besides the
/// contact's own (read at send time), a <c>LeadAssigned</c> gives <c>lead</c> (<c>id</c>, <c>grade</c>, <c>score</c>,
/// <c>source</c>, <c>channel</c>, <c>campaign</c>, <c>interest</c>, <c>stage</c> — each when the event has it) and <c>rep</c>
/// (<c>id</c>, <c>name</c>, <c>email</c> when known); an <c>OrderPlaced</c> gives <c>order</c> (<c>id</c>, <c>reference</c>,
/// <c>total</c>, <c>currency</c>, <c>items_count</c>); an <c>InteractionRecorded</c> the lead's <c>id</c> and <c>interaction</c>
/// type and its owner as <c>rep.id</c>. The rep's <c>email</c>, <c>phone</c> (and <c>name</c> when the event has none)
/// come from the rep directory's entry of that rep (<see cref="RepOf"/>; Assignment's <c>RepCreated</c> / <c>RepChanged</c>),
/// which the caller reads and passes in. A value the event and the directory lack is not set: a template printing it is not
/// sent (never "Hello {{ name }}"), unless it gives a default.
/// </summary>
public static class JourneyVariables
{
    /// <summary>
    /// The variables of an enrollment of a journey triggered by <paramref name="triggerEvent"/>, with the rep's addresses from
    /// <paramref name="rep"/> (the directory's entry of <see cref="RepOf"/>; null: unknown to the directory, nothing added).
    /// </summary>
    public static Dictionary<string, Dictionary<string, JsonElement>> Of(string triggerEvent, IReadOnlyDictionary<string, IReadOnlyList<string>> facts, RepDirectoryEntry? rep)
    {
        var variables = Of(triggerEvent, facts);
        if (rep is null || RepOf(triggerEvent, facts) is not { } repId || !string.Equals(rep.Id, repId, StringComparison.Ordinal))
        {
            return variables;
        }

        void Fill(string member, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                Group(variables, "rep").TryAdd(member, JsonSerializer.SerializeToElement(value.Trim()));
            }
        }

        Fill("name", rep.Name);
        Fill("email", rep.Email);
        Fill("phone", rep.Phone);
        return variables;
    }

    /// <summary>The rep a journey's messages speak for: the rep of a <c>LeadAssigned</c>, the owner of an <c>InteractionRecorded</c>'s lead; null otherwise.</summary>
    public static string? RepOf(string triggerEvent, IReadOnlyDictionary<string, IReadOnlyList<string>> facts) => triggerEvent switch
    {
        nameof(LeadAssigned) => One(facts, "repId"),
        nameof(InteractionRecorded) => One(facts, "ownerId"),
        _ => null,
    };

    /// <summary>The variables of an enrollment of a journey triggered by <paramref name="triggerEvent"/>; empty when the event gives none.</summary>
    public static Dictionary<string, Dictionary<string, JsonElement>> Of(string triggerEvent, IReadOnlyDictionary<string, IReadOnlyList<string>> facts)
    {
        var variables = new Dictionary<string, Dictionary<string, JsonElement>>(StringComparer.Ordinal);
        void Text(string root, string member, string field)
        {
            if (One(facts, field) is { } value)
            {
                Group(variables, root)[member] = JsonSerializer.SerializeToElement(value);
            }
        }

        void Number(string root, string member, string field)
        {
            if (One(facts, field) is { } value && decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var number))
            {
                Group(variables, root)[member] = JsonSerializer.SerializeToElement(number);
            }
        }

        switch (triggerEvent)
        {
            case nameof(LeadAssigned):
                Text("lead", "id", "leadId");
                Text("lead", "grade", "grade");
                Number("lead", "score", "score");
                Text("lead", "source", "source");
                Text("lead", "channel", "channel");
                Text("lead", "campaign", "campaign");
                Text("lead", "interest", "interest");
                Text("lead", "stage", "stage");
                Text("rep", "id", "repId");
                Text("rep", "name", "repName");
                Text("rep", "email", "repEmail");
                break;
            case nameof(OrderPlaced):
                Text("order", "id", "orderId");
                Text("order", "reference", "reference");
                Text("order", "total", "amount"); // the money's decimal string ("129.90"): printed as the event gives it
                Text("order", "currency", "currency");
                Number("order", "items_count", "items");
                break;
            case nameof(InteractionRecorded):
                Text("lead", "id", "leadId");
                Text("lead", "interaction", "type");
                Text("rep", "id", "ownerId");
                break;
            default:
                Text("lead", "id", "leadId");
                break;
        }

        return variables;
    }

    /// <summary>The owner a journey message is stored with (so the lead's rep sees it): the rep and team of a <c>LeadAssigned</c>.</summary>
    public static (string? RepId, string? TeamId) OwnerOf(string triggerEvent, IReadOnlyDictionary<string, IReadOnlyList<string>> facts) =>
        triggerEvent == nameof(LeadAssigned) ? (One(facts, "repId"), One(facts, "teamId")) : (null, null);

    private static string? One(IReadOnlyDictionary<string, IReadOnlyList<string>> facts, string field) =>
        facts.TryGetValue(field, out var values) && values.Count == 1 && !string.IsNullOrWhiteSpace(values[0]) ? values[0] : null;

    private static Dictionary<string, JsonElement> Group(Dictionary<string, Dictionary<string, JsonElement>> variables, string root)
    {
        if (!variables.TryGetValue(root, out var group))
        {
            group = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            variables[root] = group;
        }

        return group;
    }
}
