using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Merge;

/// <summary>How a merge picks a profile field's value when the request does not choose.</summary>
public enum SurvivorshipRule
{
    /// <summary>The most recently updated contact with a non-empty value (the default).</summary>
    MostRecent,
    /// <summary>The survivor's value when it has one, else <see cref="MostRecent"/>.</summary>
    Survivor,
    /// <summary>The oldest contact (created first) with a non-empty value.</summary>
    Oldest,
}

/// <summary>
/// The survivorship rules (the one document of <c>merge_rules</c>, id <see cref="DocumentId"/>): a rule per profile field;
/// a field not listed follows <see cref="SurvivorshipRule.MostRecent"/>. E-mails, phones, external ids and tags are always
/// united; the rule of <c>emails</c> / <c>phones</c> picks whose primary stays primary. Pure apart from the document.
/// </summary>
public sealed record MergeRules : IDocument
{
    public const string DocumentId = "current";
    public const string CustomFieldPrefix = "customFields.";

    /// <summary>The profile fields a rule or a request's choice may name (besides <c>customFields.&lt;key&gt;</c>).</summary>
    public static readonly IReadOnlyList<string> Fields = ["name", "emails", "phones", "locale", "timeZone", "country", "region", "birthday", "address", "lifecycleStage"];

    public static readonly MergeRules Default = new() { Id = DocumentId, Version = 0 };

    public required string Id { get; init; }
    /// <summary>Field → rule (only the fields not following the default).</summary>
    public IReadOnlyDictionary<string, SurvivorshipRule> Rules { get; init; } = new Dictionary<string, SurvivorshipRule>(StringComparer.Ordinal);
    public DateTimeOffset? UpdatedAt { get; init; }
    public long Version { get; init; }

    public SurvivorshipRule RuleOf(string field) => Rules.TryGetValue(field, out var rule) ? rule : SurvivorshipRule.MostRecent;

    /// <summary>Whether <paramref name="field"/> is one a rule or a choice may name.</summary>
    public static bool IsField(string field) =>
        Fields.Contains(field, StringComparer.Ordinal)
        || (field.StartsWith(CustomFieldPrefix, StringComparison.Ordinal) && IsCustomKey(field[CustomFieldPrefix.Length..]));

    public static string NameOf(SurvivorshipRule rule) => rule switch
    {
        SurvivorshipRule.Survivor => "survivor",
        SurvivorshipRule.Oldest => "oldest",
        _ => "mostRecent",
    };

    /// <summary>A PUT's body as rules, or null with every bad field in <paramref name="errors"/> (<c>fields.&lt;field&gt;</c>).</summary>
    public static MergeRules? Parse(MergeRulesDocument request, ValidationErrors errors)
    {
        var rules = new Dictionary<string, SurvivorshipRule>(StringComparer.Ordinal);
        foreach (var (field, name) in request.Fields ?? new Dictionary<string, string>())
        {
            if (!IsField(field))
            {
                errors.Add($"fields.{field}", $"Unknown field: one of {string.Join(", ", Fields)} or customFields.<key>.");
                continue;
            }

            SurvivorshipRule? rule = name switch
            {
                "mostRecent" => SurvivorshipRule.MostRecent,
                "survivor" => SurvivorshipRule.Survivor,
                "oldest" => SurvivorshipRule.Oldest,
                _ => null,
            };
            if (rule is null)
            {
                errors.Add($"fields.{field}", "One of mostRecent, survivor, oldest.");
                continue;
            }

            if (rule != SurvivorshipRule.MostRecent)
            {
                rules[field] = rule.Value;
            }
        }

        return errors.IsEmpty ? new MergeRules { Id = DocumentId, Rules = rules } : null;
    }

    public MergeRulesDocument ToDocument() => new()
    {
        Fields = Rules.OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => NameOf(r.Value), StringComparer.Ordinal),
        Version = Version,
    };

    private static bool IsCustomKey(string key) =>
        key.Length is > 0 and <= 50 && char.IsAsciiLetter(key[0]) && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
