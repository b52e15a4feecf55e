using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Contracts.Api;
using Crm.ServiceDefaults.Http;

namespace Crm.Leads.Leads;

/// <summary>
/// JSON merge patch (RFC 7396) of a lead's own attributes: absent unchanged, null cleared, <c>fields</c> merged per
/// key. Every bad member is reported at once; an unknown member is an error (no mass assignment). Pure.
/// </summary>
public static class LeadPatch
{
    private static readonly JsonSerializerOptions MoneyJson = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private static readonly string[] Members = ["campaign", "interest", "region", "budget", "decisionDate", "referredBy", "fields"];

    public static Lead Apply(Lead lead, JsonObject patch, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        var result = lead;
        foreach (var (name, value) in patch)
        {
            switch (name)
            {
                case "campaign":
                    result = result with { Campaign = Text(value, name, CaptureLeadValidation.MaxSource, errors, lead.Campaign) };
                    break;
                case "interest":
                    result = result with { Interest = Text(value, name, CaptureLeadValidation.MaxSource, errors, lead.Interest) };
                    break;
                case "region":
                    result = result with { Region = Text(value, name, CaptureLeadValidation.MaxRegion, errors, lead.Region) };
                    break;
                case "referredBy":
                    result = result with { ReferredBy = Text(value, name, CaptureLeadValidation.MaxSource, errors, lead.ReferredBy) };
                    break;
                case "budget":
                    result = result with { Budget = Budget(value, errors, lead.Budget) };
                    break;
                case "decisionDate":
                    result = result with { DecisionDate = Date(value, errors, lead.DecisionDate) };
                    break;
                case "fields":
                    result = result with { Fields = Fields(value, lead.Fields, errors) };
                    break;
                default:
                    errors.Add(name, $"Unknown or read-only field: a patch may change {string.Join(", ", Members)}.");
                    break;
            }
        }

        return result;
    }

    private static string? Text(JsonNode? value, string name, int max, ValidationErrors errors, string? current)
    {
        if (value is null)
        {
            return null;
        }

        if (value.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(name, "A string or null.");
            return current;
        }

        var text = CaptureLeadValidation.Trimmed(value.GetValue<string>());
        if (text is not null && text.Length > max)
        {
            errors.Add(name, $"At most {max} characters.");
            return current;
        }

        return text;
    }

    private static Money? Budget(JsonNode? value, ValidationErrors errors, Money? current)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            var money = value.Deserialize<Money>(MoneyJson);
            if (money is null || MoneyValues.Problem(money) is { } problem)
            {
                errors.Add("budget", money is null ? "An object { amount, currency } or null." : MoneyValues.Problem(money)!);
                return current;
            }

            return MoneyValues.Canonical(money);
        }
        catch (JsonException)
        {
            errors.Add("budget", "An object { \"amount\": \"129.90\", \"currency\": \"EUR\" } or null.");
            return current;
        }
    }

    private static DateOnly? Date(JsonNode? value, ValidationErrors errors, DateOnly? current)
    {
        if (value is null)
        {
            return null;
        }

        if (value.GetValueKind() == JsonValueKind.String
            && DateOnly.TryParseExact(value.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors.Add("decisionDate", "A date (2026-12-24) or null.");
        return current;
    }

    private static Dictionary<string, string> Fields(JsonNode? value, IReadOnlyDictionary<string, string> current, ValidationErrors errors)
    {
        var fields = new Dictionary<string, string>(current, StringComparer.Ordinal);
        if (value is null)
        {
            return [];
        }

        if (value is not JsonObject members)
        {
            errors.Add("fields", "An object of strings (null removes a key) or null.");
            return fields;
        }

        foreach (var (key, member) in members)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > CaptureLeadValidation.MaxFieldKey)
            {
                errors.Add("fields", $"Field names must be 1 to {CaptureLeadValidation.MaxFieldKey} characters.");
            }
            else if (member is null)
            {
                fields.Remove(key);
            }
            else if (member.GetValueKind() != JsonValueKind.String)
            {
                errors.Add($"fields.{key}", "A string, or null to remove it.");
            }
            else if (member.GetValue<string>().Length > CaptureLeadValidation.MaxFieldValue)
            {
                errors.Add($"fields.{key}", $"At most {CaptureLeadValidation.MaxFieldValue} characters.");
            }
            else
            {
                fields[key] = member.GetValue<string>();
            }
        }

        if (fields.Count > CaptureLeadValidation.MaxFields)
        {
            errors.Add("fields", $"At most {CaptureLeadValidation.MaxFields} fields.");
        }

        return fields;
    }
}
