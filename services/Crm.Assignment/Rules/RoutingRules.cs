using System.Globalization;
using Crm.Assignment.Routing;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Rules;

/// <summary>
/// The assignment rules and lead units, one document (<c>routing_rules/rules</c>), replaced whole by
/// <c>PUT /api/assignment/rules</c> at the version it was read. Absent: <see cref="Default"/>.
/// </summary>
public sealed record RoutingRules : IDocument
{
    public const string DocumentId = "rules";
    public const int MaxRules = 50;
    public const int MaxListItems = 100;
    public const int MaxIdLength = 50;
    public const int MaxNameLength = 200;
    public const int MaxSkillLength = 50;

    private static readonly Dictionary<string, RoutingStrategy> Strategies = new(StringComparer.Ordinal)
    {
        ["round-robin"] = RoutingStrategy.RoundRobin,
        ["least-loaded"] = RoutingStrategy.LeastLoaded,
        ["most-available"] = RoutingStrategy.MostAvailable,
        ["weighted"] = RoutingStrategy.Weighted,
        ["sticky"] = RoutingStrategy.Sticky,
    };

    public string Id { get; init; } = DocumentId;
    public IReadOnlyList<AssignmentRule> Rules { get; init; } = [];
    public LeadUnits Units { get; init; } = new();
    /// <summary>Who set these rules, and when; null for the defaults.</summary>
    public Crm.Contracts.Audit.Actor? UpdatedBy { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public long Version { get; init; }

    /// <summary>No rules (every lead to every rep, round robin), every lead one unit.</summary>
    public static RoutingRules Default { get; } = new();

    /// <summary>Whether a routing pass needs the contacts' earlier leads (sticky rules, returning-customer conditions).</summary>
    public bool NeedsContactHistory => Rules.Any(r => r.Strategy == RoutingStrategy.Sticky || r.When.ReturningCustomer is not null);

    public static string StrategyName(RoutingStrategy strategy) => Strategies.First(s => s.Value == strategy).Key;

    public AssignmentRulesDocument ToDocument() => new()
    {
        Rules = [.. Rules.Select(r => new AssignmentRuleDocument
        {
            Id = r.Id,
            Name = r.Name,
            When = new RuleConditionsDocument
            {
                Sources = r.When.Sources,
                Channels = r.When.Channels,
                Campaigns = r.When.Campaigns,
                Interests = r.When.Interests,
                Regions = r.When.Regions,
                Languages = r.When.Languages,
                Grades = r.When.Grades,
                ScoreMin = r.When.ScoreMin,
                ScoreMax = r.When.ScoreMax,
                ReturningCustomer = r.When.ReturningCustomer,
            },
            Pool = new RulePoolDocument
            {
                TeamId = r.Pool.TeamId,
                RequiredSkills = [.. r.Pool.RequiredSkills.Select(Skill)],
                OptionalSkills = [.. r.Pool.OptionalSkills.Select(Skill)],
                DropOptionalAfterMinutes = (int)r.Pool.DropOptionalAfter.TotalMinutes,
            },
            Strategy = StrategyName(r.Strategy),
            FairnessCap = r.FairnessCap is { } cap ? new FairnessCapDocument { Max = cap.Max, WindowMinutes = (int)cap.Window.TotalMinutes } : null,
        })],
        LeadUnits = new LeadUnitsDocument { Hot = Units.Hot, Warm = Units.Warm, Cold = Units.Cold },
        Version = Version,
    };

    /// <summary>Reads and validates a request: every problem at once, under the request's field names (<c>rules[1].pool.requiredSkills[0].minLevel</c>).</summary>
    public static RoutingRules? Parse(AssignmentRulesDocument request, Dictionary<string, string[]> errors)
    {
        var rules = new List<AssignmentRule>();
        var requested = request.Rules ?? [];
        if (requested.Count > MaxRules)
        {
            errors["rules"] = [$"At most {MaxRules} rules."];
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(requested.Count, MaxRules); i++)
        {
            var at = $"rules[{i}]";
            var rule = requested[i];
            if (rule is null)
            {
                errors[at] = ["Required."];
                continue;
            }

            var id = rule.Id?.Trim();
            if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                errors[$"{at}.id"] = [$"Required: lower-case letters, digits and '-', at most {MaxIdLength} characters."];
            }
            else if (!ids.Add(id))
            {
                errors[$"{at}.id"] = [$"'{id}' is already the id of another rule."];
            }

            var name = rule.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
            {
                errors[$"{at}.name"] = [$"Required, at most {MaxNameLength} characters."];
            }

            RoutingStrategy strategy = default;
            if (rule.Strategy is not null && !Strategies.TryGetValue(rule.Strategy.Trim().ToLowerInvariant(), out strategy))
            {
                errors[$"{at}.strategy"] = ["One of round-robin, least-loaded, most-available, weighted, sticky."];
            }

            var when = Conditions(rule.When ?? new RuleConditionsDocument(), $"{at}.when", errors);
            var pool = Pool(rule.Pool ?? new RulePoolDocument(), $"{at}.pool", errors);
            FairnessCap? cap = null;
            if (rule.FairnessCap is { } fairness)
            {
                if (fairness.Max is not (>= 1 and <= 10_000))
                {
                    errors[$"{at}.fairnessCap.max"] = ["Required: 1 to 10000 leads per rep and window."];
                }

                if (fairness.WindowMinutes is not (>= 1 and <= 10_080))
                {
                    errors[$"{at}.fairnessCap.windowMinutes"] = ["Required: 1 to 10080 minutes (a week)."];
                }

                cap = new FairnessCap(fairness.Max ?? 1, TimeSpan.FromMinutes(fairness.WindowMinutes ?? 1));
            }

            rules.Add(new AssignmentRule { Id = id ?? "", Name = name ?? "", When = when, Pool = pool, Strategy = strategy, FairnessCap = cap });
        }

        var units = request.LeadUnits ?? new LeadUnitsDocument();
        var hot = Unit(units.Hot, "leadUnits.hot", errors);
        var warm = Unit(units.Warm, "leadUnits.warm", errors);
        var cold = Unit(units.Cold, "leadUnits.cold", errors);
        return errors.Count > 0 ? null : new RoutingRules { Rules = rules, Units = new LeadUnits(hot, warm, cold) };
    }

    private static RuleConditions Conditions(RuleConditionsDocument when, string at, Dictionary<string, string[]> errors)
    {
        if (when.ScoreMin is < 0 or > 100)
        {
            errors[$"{at}.scoreMin"] = ["0 to 100."];
        }

        if (when.ScoreMax is < 0 or > 100)
        {
            errors[$"{at}.scoreMax"] = ["0 to 100."];
        }
        else if (when.ScoreMin is { } min && when.ScoreMax is { } max && max < min)
        {
            errors[$"{at}.scoreMax"] = ["Must not be below scoreMin."];
        }

        var grades = when.Grades ?? [];
        if (grades.Any(g => !Enum.IsDefined(g)))
        {
            errors[$"{at}.grades"] = ["hot, warm or cold."];
        }

        return new RuleConditions
        {
            Sources = Values(when.Sources, $"{at}.sources", errors),
            Channels = Values(when.Channels, $"{at}.channels", errors),
            Campaigns = Values(when.Campaigns, $"{at}.campaigns", errors),
            Interests = Values(when.Interests, $"{at}.interests", errors),
            Regions = Values(when.Regions, $"{at}.regions", errors),
            Languages = Values(when.Languages, $"{at}.languages", errors),
            Grades = [.. grades.Distinct()],
            ScoreMin = when.ScoreMin,
            ScoreMax = when.ScoreMax,
            ReturningCustomer = when.ReturningCustomer,
        };
    }

    private static RulePool Pool(RulePoolDocument pool, string at, Dictionary<string, string[]> errors)
    {
        var team = pool.TeamId?.Trim();
        if (team is { Length: 0 })
        {
            team = null;
        }

        if (pool.DropOptionalAfterMinutes is < 0 or > 10_080)
        {
            errors[$"{at}.dropOptionalAfterMinutes"] = ["0 to 10080 minutes."];
        }

        return new RulePool
        {
            TeamId = team,
            RequiredSkills = Skills(pool.RequiredSkills, $"{at}.requiredSkills", errors),
            OptionalSkills = Skills(pool.OptionalSkills, $"{at}.optionalSkills", errors),
            DropOptionalAfter = TimeSpan.FromMinutes(pool.DropOptionalAfterMinutes ?? 10),
        };
    }

    private static List<SkillRequirement> Skills(IReadOnlyList<SkillRequirementDocument>? skills, string at, Dictionary<string, string[]> errors)
    {
        var result = new List<SkillRequirement>();
        var list = skills ?? [];
        if (list.Count > MaxListItems)
        {
            errors[at] = [$"At most {MaxListItems} skills."];
            return result;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var skill = SkillName(list[i]?.Skill);
            if (skill is null)
            {
                errors[$"{at}[{i}].skill"] = [$"Required: lower-case letters, digits, ':', '-', '_' and '.', at most {MaxSkillLength} characters."];
            }

            var level = list[i]?.MinLevel ?? 1;
            if (level is < 1 or > 5)
            {
                errors[$"{at}[{i}].minLevel"] = ["1 to 5."];
            }

            result.Add(new SkillRequirement(skill ?? "", level));
        }

        return result;
    }

    /// <summary>A skill name, trimmed and lower-cased, or null when it is not one.</summary>
    public static string? SkillName(string? value)
    {
        var skill = value?.Trim().ToLowerInvariant();
        return string.IsNullOrEmpty(skill) || skill.Length > MaxSkillLength
            || !skill.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is ':' or '-' or '_' or '.')
            ? null
            : skill;
    }

    private static string[] Values(IReadOnlyList<string>? values, string at, Dictionary<string, string[]> errors)
    {
        var list = values ?? [];
        if (list.Count > MaxListItems)
        {
            errors[at] = [$"At most {MaxListItems} values."];
        }
        else if (list.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > MaxNameLength))
        {
            errors[at] = [$"Values must be non-empty, at most {MaxNameLength} characters."];
        }

        return [.. list.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim().ToLowerInvariant()).Distinct()];
    }

    private static SkillRequirementDocument Skill(SkillRequirement skill) => new() { Skill = skill.Skill, MinLevel = skill.MinLevel };

    private static int Unit(int? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return 1;
        }

        if (value is < 1 or > LeadUnits.Max)
        {
            errors[field] = [string.Create(CultureInfo.InvariantCulture, $"1 to {LeadUnits.Max}.")];
        }

        return value.Value;
    }
}
