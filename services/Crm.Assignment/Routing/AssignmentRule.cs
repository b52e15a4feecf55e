using Crm.Contracts.Api;

namespace Crm.Assignment.Routing;

/// <summary>How a rule picks one rep among the eligible ones of its pool.</summary>
public enum RoutingStrategy
{
    /// <summary>The next eligible rep after the one that got the rule's previous lead, in creation order.</summary>
    RoundRobin,
    /// <summary>The eligible rep with the fewest capacity units taken (ties: round-robin order).</summary>
    LeastLoaded,
    /// <summary>The eligible rep with the most capacity units left (ties: round-robin order).</summary>
    MostAvailable,
    /// <summary>Smooth weighted round robin with credits: shares follow the reps' weights.</summary>
    Weighted,
    /// <summary>The contact's previous owner when eligible, else round robin.</summary>
    Sticky,
}

/// <summary>A skill and the lowest level (1–5) that satisfies it.</summary>
public sealed record SkillRequirement(string Skill, int MinLevel);

/// <summary>
/// What a lead must look like for a rule to match: every list given (non-empty) must contain the lead's value (compared
/// lower-case), every bound given must hold. Empty conditions match every lead.
/// </summary>
public sealed record RuleConditions
{
    public IReadOnlyList<string> Sources { get; init; } = [];
    public IReadOnlyList<string> Channels { get; init; } = [];
    public IReadOnlyList<string> Campaigns { get; init; } = [];
    public IReadOnlyList<string> Interests { get; init; } = [];
    public IReadOnlyList<string> Regions { get; init; } = [];
    public IReadOnlyList<string> Languages { get; init; } = [];
    public IReadOnlyList<Grade> Grades { get; init; } = [];
    public int? ScoreMin { get; init; }
    public int? ScoreMax { get; init; }
    public bool? ReturningCustomer { get; init; }

    /// <summary>Whether the lead meets every condition.</summary>
    public bool Matches(RoutingLead lead) =>
        In(Sources, lead.Source) && In(Channels, lead.Channel) && In(Campaigns, lead.Campaign) && In(Interests, lead.Interest)
        && In(Regions, lead.Region) && In(Languages, lead.Language)
        && (Grades.Count == 0 || Grades.Contains(lead.Grade))
        && (ScoreMin is not { } min || lead.Score >= min)
        && (ScoreMax is not { } max || lead.Score <= max)
        && (ReturningCustomer is not { } returning || lead.ReturningCustomer == returning);

    private static bool In(IReadOnlyList<string> values, string? value)
    {
        if (values.Count == 0)
        {
            return true;
        }

        if (value is null)
        {
            return false;
        }

        foreach (var candidate in values)
        {
            if (string.Equals(candidate, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Who a rule's leads may go to: the reps of a team (or every rep), having every required skill, and every optional one
/// until the lead has waited <see cref="DropOptionalAfter"/> (then the optional ones are dropped).
/// </summary>
public sealed record RulePool
{
    public string? TeamId { get; init; }
    public IReadOnlyList<SkillRequirement> RequiredSkills { get; init; } = [];
    public IReadOnlyList<SkillRequirement> OptionalSkills { get; init; } = [];
    public TimeSpan DropOptionalAfter { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>At most <see cref="Max"/> leads per rep through one rule in each fixed window of <see cref="Window"/> (from the Unix epoch).</summary>
public sealed record FairnessCap(int Max, TimeSpan Window)
{
    /// <summary>The start of the window <paramref name="now"/> falls in.</summary>
    public DateTimeOffset WindowStart(DateTimeOffset now)
    {
        var ticks = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(ticks - (ticks % Window.Ticks));
    }
}

/// <summary>One assignment rule: conditions on the lead → a pool and a strategy (first match wins).</summary>
public sealed record AssignmentRule
{
    /// <summary>The id of the catch-all rule used while no rule is configured.</summary>
    public const string DefaultId = "default";

    public required string Id { get; init; }
    public required string Name { get; init; }
    public RuleConditions When { get; init; } = new();
    public RulePool Pool { get; init; } = new();
    public RoutingStrategy Strategy { get; init; }
    public FairnessCap? FairnessCap { get; init; }

    /// <summary>Every lead, every rep, round robin: what Assignment does until rules are configured.</summary>
    public static AssignmentRule Default { get; } = new() { Id = DefaultId, Name = "Everyone, round robin", Strategy = RoutingStrategy.RoundRobin };
}
