using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;

namespace Crm.Assignment.Routing;

/// <summary>What routing knows about a lead: its facts for the rules' conditions and, for sticky rules, the contact's previous owner.</summary>
public sealed record RoutingLead(string LeadId, Grade Grade, int Score, DateTimeOffset QueuedAt)
{
    public string? Source { get; init; }
    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? Interest { get; init; }
    public string? Region { get; init; }
    public string? Language { get; init; }
    /// <summary>The contact bought before (a lead of theirs was won).</summary>
    public bool ReturningCustomer { get; init; }
    /// <summary>The rep of the contact's latest earlier lead, for sticky rules.</summary>
    public string? PreviousOwnerId { get; init; }
    /// <summary>A rep the lead must not go to (its owner, when an SLA breach takes it away).</summary>
    public string? ExcludedRepId { get; init; }
}

/// <summary>What routing knows about a rep: settings, and the capacity units taken (<see cref="Load"/>) when the pass read them.</summary>
public sealed record RoutingRep(string Id, int Capacity, int Load)
{
    public string? TeamId { get; init; }
    public bool Active { get; init; } = true;
    public Presence Presence { get; init; }
    public int Weight { get; init; } = 1;
    public IReadOnlyDictionary<string, int> Skills { get; init; } = new Dictionary<string, int>();
    public WorkingCalendar Calendar { get; init; } = WorkingCalendar.Always;
}

/// <summary>How many capacity units a lead takes by grade (a hot lead may weigh more).</summary>
public sealed record LeadUnits(int Hot = 1, int Warm = 1, int Cold = 1)
{
    public const int Max = 100;

    public int Of(Grade grade) => grade switch
    {
        Grade.Hot => Hot,
        Grade.Warm => Warm,
        _ => Cold,
    };
}

/// <summary>Why a rep of the rule's pool was not eligible (the first reason found, in this order).</summary>
public enum Exclusion
{
    /// <summary>The lead's current owner, when it is being taken away from them.</summary>
    CurrentOwner,
    NotInTeam,
    MissingSkill,
    Inactive,
    Away,
    Offline,
    OutsideWorkingHours,
    Full,
    FairnessCap,
}

/// <summary>A rep left out of a decision, and why.</summary>
public sealed record ExcludedRep(string RepId, Exclusion Reason, string? Detail = null);

/// <summary>The winner's numbers when chosen: capacity units taken before the lead, capacity, weight and (weighted rules) credit before paying for the lead.</summary>
public sealed record WinnerNumbers(string RepId, int LoadBefore, int Capacity, int Weight, long? Credit);

/// <summary>
/// Why a lead went where it went (or nowhere): the matching rule, its strategy, how many reps were considered and
/// eligible, the excluded ones with their reason (the first <see cref="RouteExplanation.MaxListed"/>; all counted by
/// reason), and the winner's numbers.
/// </summary>
public sealed record RouteExplanation
{
    public const int MaxListed = 20;

    public required string RuleId { get; init; }
    public required string RuleName { get; init; }
    public required RoutingStrategy Strategy { get; init; }
    public bool OptionalSkillsDropped { get; init; }
    public int Considered { get; init; }
    public int Eligible { get; init; }
    public IReadOnlyList<ExcludedRep> Excluded { get; init; } = [];
    public IReadOnlyDictionary<string, int> ExcludedByReason { get; init; } = new Dictionary<string, int>();
    public WinnerNumbers? Winner { get; init; }
    /// <summary>A remark, e.g. why a sticky rule did not keep the previous owner.</summary>
    public string? Note { get; init; }
}

/// <summary>
/// A routing decision: the rep (null: the lead waits), the units it takes, why, and for a waiting lead when the answer
/// may change by time alone (a shift starts, a fairness window ends, optional skills are dropped).
/// </summary>
public sealed record RouteDecision(string? RepId, int Units, RouteExplanation Explanation, DateTimeOffset? RetryAt);

/// <summary>One rule's routing state: its round-robin cursor, the weighted strategy's credits, and the fairness window's counts.</summary>
public sealed record RuleState
{
    public string? Cursor { get; init; }
    public IReadOnlyDictionary<string, long> Credits { get; init; } = new Dictionary<string, long>();
    public DateTimeOffset? WindowStart { get; init; }
    public IReadOnlyDictionary<string, int> WindowCounts { get; init; } = new Dictionary<string, int>();
}

/// <summary>
/// The routing engine, pure (no I/O, no clock): for each lead in turn, the first rule whose conditions match picks the
/// pool, every rep of it is checked (team, skills, active, present, in working hours, room for the lead's units, under
/// the rule's fairness cap), and the rule's strategy chooses among the eligible ones. Each decision takes the units
/// and moves the rule's state, so a pass over many leads plans them in sequence exactly as one at a time would.
/// </summary>
public sealed class Router
{
    private readonly IReadOnlyList<AssignmentRule> _rules;
    private readonly LeadUnits _units;
    private readonly RoutingRep[] _reps;
    private readonly int[] _load;
    private readonly Dictionary<string, int> _index;
    private readonly Dictionary<string, RuleBoard> _boards = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, RuleState> _states;
    private readonly List<int> _eligible = [];

    public Router(IReadOnlyList<AssignmentRule> rules, LeadUnits units, IEnumerable<RoutingRep> reps, IReadOnlyDictionary<string, RuleState>? states = null)
    {
        _rules = rules.Count == 0 ? [AssignmentRule.Default] : rules;
        _units = units;
        _reps = [.. reps.OrderBy(r => r.Id, StringComparer.Ordinal)];
        _load = [.. _reps.Select(r => r.Load)];
        _index = new Dictionary<string, int>(_reps.Length, StringComparer.Ordinal);
        for (var i = 0; i < _reps.Length; i++)
        {
            _index[_reps[i].Id] = i;
        }

        _states = states ?? new Dictionary<string, RuleState>();
    }

    /// <summary>Whether any rep could take a lead of one unit now, whatever the rules (a cheap test before reading the backlog).</summary>
    public bool AnyRoom()
    {
        for (var i = 0; i < _reps.Length; i++)
        {
            if (_reps[i].Active && _reps[i].Presence == Presence.Available && _load[i] < _reps[i].Capacity)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The capacity units the rep has taken, with this pass's decisions.</summary>
    public int LoadOf(string repId) => _load[_index[repId]];

    /// <summary>The rule that takes <paramref name="lead"/>: the first whose conditions match (none: the lead is not routed).</summary>
    public AssignmentRule? RuleFor(RoutingLead lead)
    {
        foreach (var rule in _rules)
        {
            if (rule.When.Matches(lead))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>Decides <paramref name="lead"/> at <paramref name="now"/>; an assignment takes its units and moves the rule's state.</summary>
    public RouteDecision Route(RoutingLead lead, DateTimeOffset now)
    {
        var units = _units.Of(lead.Grade);
        var rule = RuleFor(lead);
        if (rule is null)
        {
            return new RouteDecision(null, units, new RouteExplanation
            {
                RuleId = "",
                RuleName = "",
                Strategy = RoutingStrategy.RoundRobin,
                Note = "No rule matches the lead: it waits until the rules change.",
            }, null);
        }

        var board = Board(rule, now);
        var dropOptional = rule.Pool.OptionalSkills.Count > 0 && now - lead.QueuedAt >= rule.Pool.DropOptionalAfter;
        DateTimeOffset? retryAt = rule.Pool.OptionalSkills.Count > 0 && !dropOptional ? lead.QueuedAt + rule.Pool.DropOptionalAfter : null;

        var excluded = new List<ExcludedRep>();
        var byReason = new Dictionary<string, int>(StringComparer.Ordinal);
        _eligible.Clear();
        var considered = 0;
        var start = StartAfter(board.Cursor);
        for (var step = 0; step < _reps.Length; step++)
        {
            var i = (start + step) % _reps.Length;
            var rep = _reps[i];
            considered++;
            var (reason, detail) = string.Equals(rep.Id, lead.ExcludedRepId, StringComparison.Ordinal)
                ? (Exclusion.CurrentOwner, null)
                : Check(rule, board, rep, i, units, dropOptional, now);
            if (reason is null)
            {
                _eligible.Add(i);
                continue;
            }

            var name = WireName(reason.Value);
            byReason[name] = byReason.GetValueOrDefault(name) + 1;
            if (excluded.Count < RouteExplanation.MaxListed)
            {
                excluded.Add(new ExcludedRep(rep.Id, reason.Value, detail));
            }

            retryAt = Earliest(retryAt, reason.Value switch
            {
                Exclusion.OutsideWorkingHours => rep.Calendar.NextWorkingStart(now),
                Exclusion.FairnessCap => board.WindowStart + rule.FairnessCap!.Window,
                _ => null,
            });
        }

        string? note = null;
        long? winningCredit = null;
        var chosen = -1;
        if (_eligible.Count > 0)
        {
            chosen = rule.Strategy switch
            {
                RoutingStrategy.LeastLoaded => Best(i => -_load[i]),
                RoutingStrategy.MostAvailable => Best(i => _reps[i].Capacity - _load[i]),
                RoutingStrategy.Weighted => Weighted(board, out winningCredit),
                RoutingStrategy.Sticky => Sticky(lead, out note),
                _ => _eligible[0],
            };
        }

        WinnerNumbers? winner = null;
        if (chosen >= 0)
        {
            var rep = _reps[chosen];
            winner = new WinnerNumbers(rep.Id, _load[chosen], rep.Capacity, rep.Weight, winningCredit);
            _load[chosen] += units;
            if (rule.Strategy != RoutingStrategy.Sticky || !string.Equals(rep.Id, lead.PreviousOwnerId, StringComparison.Ordinal))
            {
                // A lead kept with its previous owner does not move the rotation: the round-robin fallback skips nobody.
                board.Cursor = rep.Id;
            }
            if (rule.FairnessCap is not null)
            {
                board.Counts[rep.Id] = board.Counts.GetValueOrDefault(rep.Id) + 1;
            }

            retryAt = null;
        }

        var explanation = new RouteExplanation
        {
            RuleId = rule.Id,
            RuleName = rule.Name,
            Strategy = rule.Strategy,
            OptionalSkillsDropped = dropOptional,
            Considered = considered,
            Eligible = _eligible.Count,
            Excluded = excluded,
            ExcludedByReason = byReason,
            Winner = winner,
            Note = note,
        };
        return new RouteDecision(winner?.RepId, units, explanation, retryAt);
    }

    /// <summary>Every current rule's state after the decisions made (rules not used in this pass keep theirs).</summary>
    public IReadOnlyDictionary<string, RuleState> States()
    {
        // States of rules removed since are dropped.
        var states = _states.Where(s => _rules.Any(r => r.Id == s.Key)).ToDictionary(StringComparer.Ordinal);
        foreach (var (id, board) in _boards)
        {
            // Credits and counts of reps deleted since are dropped.
            var state = board.ToState();
            states[id] = state with
            {
                Credits = state.Credits.Where(c => _index.ContainsKey(c.Key)).ToDictionary(StringComparer.Ordinal),
                WindowCounts = state.WindowCounts.Where(c => _index.ContainsKey(c.Key)).ToDictionary(StringComparer.Ordinal),
            };
        }

        return states;
    }

    /// <summary>The lower-case name an exclusion has in the API.</summary>
    public static string WireName(Exclusion reason) => reason switch
    {
        Exclusion.CurrentOwner => "current-owner",
        Exclusion.NotInTeam => "not-in-team",
        Exclusion.MissingSkill => "missing-skill",
        Exclusion.Inactive => "inactive",
        Exclusion.Away => "away",
        Exclusion.Offline => "offline",
        Exclusion.OutsideWorkingHours => "outside-working-hours",
        Exclusion.Full => "full",
        _ => "fairness-cap",
    };

    private (Exclusion? Reason, string? Detail) Check(AssignmentRule rule, RuleBoard board, RoutingRep rep, int i, int units, bool dropOptional, DateTimeOffset now)
    {
        var pool = rule.Pool;
        if (pool.TeamId is { } team && !string.Equals(rep.TeamId, team, StringComparison.Ordinal))
        {
            return (Exclusion.NotInTeam, null);
        }

        if (Missing(pool.RequiredSkills, rep) is { } required)
        {
            return (Exclusion.MissingSkill, required);
        }

        if (!dropOptional && Missing(pool.OptionalSkills, rep) is { } optional)
        {
            return (Exclusion.MissingSkill, optional + " (optional)");
        }

        if (!rep.Active)
        {
            return (Exclusion.Inactive, null);
        }

        if (rep.Presence != Presence.Available)
        {
            return (rep.Presence == Presence.Away ? Exclusion.Away : Exclusion.Offline, null);
        }

        if (!rep.Calendar.IsWorking(now))
        {
            return (Exclusion.OutsideWorkingHours, null);
        }

        if (_load[i] + units > rep.Capacity)
        {
            return (Exclusion.Full, null);
        }

        if (rule.FairnessCap is { } cap && board.Counts.GetValueOrDefault(rep.Id) >= cap.Max)
        {
            return (Exclusion.FairnessCap, null);
        }

        return (null, null);
    }

    private static string? Missing(IReadOnlyList<SkillRequirement> skills, RoutingRep rep)
    {
        foreach (var skill in skills)
        {
            if (rep.Skills.GetValueOrDefault(skill.Skill) < skill.MinLevel)
            {
                return $"{skill.Skill} ≥ {skill.MinLevel}";
            }
        }

        return null;
    }

    /// <summary>The eligible rep with the highest <paramref name="score"/>; the first in round-robin order on a tie.</summary>
    private int Best(Func<int, int> score)
    {
        var best = _eligible[0];
        var bestScore = score(best);
        for (var k = 1; k < _eligible.Count; k++)
        {
            var s = score(_eligible[k]);
            if (s > bestScore)
            {
                best = _eligible[k];
                bestScore = s;
            }
        }

        return best;
    }

    /// <summary>
    /// Smooth weighted round robin: every eligible rep earns its weight in credit, the richest is chosen and pays the
    /// eligible reps' total weight. Reps not eligible earn nothing (back from leave, they do not get a flood), and a
    /// weight change counts from the next decision on (no catch-up for the past). <paramref name="winningCredit"/> is the
    /// winner's credit before paying for the lead (what made it win).
    /// </summary>
    private int Weighted(RuleBoard board, out long? winningCredit)
    {
        long total = 0;
        var best = -1;
        long bestCredit = long.MinValue;
        foreach (var i in _eligible)
        {
            var rep = _reps[i];
            total += rep.Weight;
            var credit = board.Credits.GetValueOrDefault(rep.Id) + rep.Weight;
            board.Credits[rep.Id] = credit;
            if (credit > bestCredit)
            {
                best = i;
                bestCredit = credit;
            }
        }

        board.Credits[_reps[best].Id] = bestCredit - total;
        winningCredit = bestCredit;
        return best;
    }

    private int Sticky(RoutingLead lead, out string? note)
    {
        if (lead.PreviousOwnerId is null)
        {
            note = "The contact has no previous owner: round robin.";
            return _eligible[0];
        }

        if (_index.TryGetValue(lead.PreviousOwnerId, out var owner) && _eligible.Contains(owner))
        {
            note = "Kept with the contact's previous owner.";
            return owner;
        }

        note = $"The contact's previous owner {lead.PreviousOwnerId} is not eligible: round robin.";
        return _eligible[0];
    }

    private int StartAfter(string? cursor)
    {
        if (cursor is null || _reps.Length == 0)
        {
            return 0;
        }

        // Binary search for the first rep created after the cursor (which may be a rep deleted since).
        int lo = 0, hi = _reps.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (string.CompareOrdinal(_reps[mid].Id, cursor) > 0)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo == _reps.Length ? 0 : lo;
    }

    private RuleBoard Board(AssignmentRule rule, DateTimeOffset now)
    {
        if (!_boards.TryGetValue(rule.Id, out var board))
        {
            board = new RuleBoard(_states.GetValueOrDefault(rule.Id) ?? new RuleState());
            _boards[rule.Id] = board;
        }

        if (rule.FairnessCap is { } cap)
        {
            var window = cap.WindowStart(now);
            if (board.WindowStart != window)
            {
                board.WindowStart = window;
                board.Counts.Clear();
            }
        }

        return board;
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>A rule's state while a pass changes it.</summary>
    private sealed class RuleBoard(RuleState state)
    {
        public string? Cursor { get; set; } = state.Cursor;
        public Dictionary<string, long> Credits { get; } = new(state.Credits, StringComparer.Ordinal);
        public DateTimeOffset? WindowStart { get; set; } = state.WindowStart;
        public Dictionary<string, int> Counts { get; } = new(state.WindowCounts, StringComparer.Ordinal);

        public RuleState ToState() => new()
        {
            Cursor = Cursor,
            Credits = new Dictionary<string, long>(Credits, StringComparer.Ordinal),
            WindowStart = WindowStart,
            WindowCounts = new Dictionary<string, int>(Counts, StringComparer.Ordinal),
        };
    }
}
