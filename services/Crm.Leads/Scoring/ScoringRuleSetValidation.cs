using System.Globalization;
using Crm.Contracts.Api.Leads;
using Crm.ServiceDefaults.Http;

namespace Crm.Leads.Scoring;

/// <summary>
/// Checks a <see cref="ScoringRuleSet"/> before it is stored, naming every bad field at once with the request's
/// field paths (<c>rules[2].points</c>, <c>rules[0].decay.steps[1].factor</c>, <c>grades.hotAbove</c>).
/// </summary>
public static class ScoringRuleSetValidation
{
    public const int MaxRules = 50;
    public const int MaxNameLength = 60;
    public const int MaxPoints = 100;
    public const int MaxSteps = 10;
    public const int MaxUnitLength = 40;
    public const int MaxListItems = 50;
    public const int MaxValueLength = 200;
    public const int MaxWithinDays = 3650;
    public const int MaxScoreLimit = 1000;

    /// <summary>Ten years: the longest half-life or step.</summary>
    public const double MaxHours = 87_600;

    /// <summary>Every problem of <paramref name="rules"/> (empty when it is valid).</summary>
    public static ValidationErrors Validate(ScoringRuleSet rules)
    {
        var errors = new ValidationErrors();
        if (rules.Rules is null)
        {
            errors.Add("rules", "Required.");
        }
        else
        {
            if (rules.Rules.Count > MaxRules)
            {
                errors.Add("rules", string.Create(CultureInfo.InvariantCulture, $"At most {MaxRules} rules."));
            }

            var names = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < rules.Rules.Count; i++)
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"rules[{i}]");
                if (rules.Rules[i] is not { } rule)
                {
                    errors.Add(path, "Required.");
                    continue;
                }

                Rule(rule, path, errors);
                if (rule.Name is { Length: > 0 } name && !names.TryAdd(name, i))
                {
                    errors.Add(path + ".name", string.Create(CultureInfo.InvariantCulture, $"Already the name of rules[{names[name]}]."));
                }
            }
        }

        Grades(rules.Grades, errors);
        if (rules.MaxScore is < 1 or > MaxScoreLimit)
        {
            errors.Add("maxScore", string.Create(CultureInfo.InvariantCulture, $"Must be 1..{MaxScoreLimit}."));
        }

        return errors;
    }

    private static void Rule(ScoringRule rule, string path, ValidationErrors errors)
    {
        if (!IsKebab(rule.Name))
        {
            errors.Add(path + ".name", string.Create(CultureInfo.InvariantCulture, $"Required: 1..{MaxNameLength} characters, lower-case letters and digits in words joined by hyphens."));
        }

        if (rule.Points is 0 or < -MaxPoints or > MaxPoints)
        {
            errors.Add(path + ".points", string.Create(CultureInfo.InvariantCulture, $"Must be -{MaxPoints}..{MaxPoints}, not 0."));
        }

        switch (rule.Kind)
        {
            case RuleKinds.Signal:
                SignalRule(rule, path, errors);
                NotFor(rule.Test, path + ".test", "Only for fit rules.", errors);
                NotFor(rule.Fields, path + ".fields", "Only for fit rules.", errors);
                NotFor(rule.Field, path + ".field", "Only for fit rules.", errors);
                NotFor(rule.Values, path + ".values", "Only for fit rules.", errors);
                NotFor(rule.MinAmount, path + ".minAmount", "Only for fit rules.", errors);
                NotFor(rule.WithinDays, path + ".withinDays", "Only for fit rules.", errors);
                break;
            case RuleKinds.Fit:
                FitRule(rule, path, errors);
                NotFor(rule.Types, path + ".types", "Only for signal rules.", errors);
                NotFor(rule.Count, path + ".count", "Only for signal rules.", errors);
                NotFor(rule.DailyCap, path + ".dailyCap", "Only for signal rules.", errors);
                NotFor(rule.Unit, path + ".unit", "Only for signal rules.", errors);
                NotFor(rule.Decay, path + ".decay", "Only for signal rules.", errors);
                break;
            default:
                errors.Add(path + ".kind", "Must be signal or fit.");
                break;
        }
    }

    private static void SignalRule(ScoringRule rule, string path, ValidationErrors errors)
    {
        if (rule.Types is not { Count: > 0 } types)
        {
            errors.Add(path + ".types", "Required: at least one signal type.");
        }
        else
        {
            for (var i = 0; i < types.Count; i++)
            {
                if (!SignalTypes.IsKnown(types[i]))
                {
                    errors.Add(
                        string.Create(CultureInfo.InvariantCulture, $"{path}.types[{i}]"),
                        "Unknown signal type; one of " + string.Join(", ", SignalTypes.Known) + ".");
                }
            }
        }

        var count = rule.Count ?? CountModes.Each;
        if (count is not (CountModes.Each or CountModes.Latest or CountModes.Once))
        {
            errors.Add(path + ".count", "Must be each, latest or once.");
        }

        if (rule.DailyCap is { } cap)
        {
            if (cap <= 0)
            {
                errors.Add(path + ".dailyCap", "Must be positive.");
            }
            else if (count != CountModes.Each)
            {
                errors.Add(path + ".dailyCap", "Only when counting each signal.");
            }
        }

        if (rule.Unit is { } unit && (string.IsNullOrWhiteSpace(unit) || unit.Length > MaxUnitLength))
        {
            errors.Add(path + ".unit", string.Create(CultureInfo.InvariantCulture, $"1..{MaxUnitLength} characters when given."));
        }

        if (rule.Decay is { } decay)
        {
            Decay(decay, path + ".decay", errors);
        }
    }

    private static void Decay(ScoreDecay decay, string path, ValidationErrors errors)
    {
        if ((decay.HalfLifeHours is null) == (decay.Steps is null))
        {
            errors.Add(path, "Give exactly one of halfLifeHours and steps.");
        }

        if (decay.HalfLifeHours is { } halfLife && !(halfLife > 0 && halfLife <= MaxHours))
        {
            errors.Add(path + ".halfLifeHours", string.Create(CultureInfo.InvariantCulture, $"Must be above 0 and at most {MaxHours}."));
        }

        if (decay.Steps is not { } steps)
        {
            return;
        }

        if (steps.Count is < 1 or > MaxSteps)
        {
            errors.Add(path + ".steps", string.Create(CultureInfo.InvariantCulture, $"1..{MaxSteps} steps."));
        }

        DecayStep? previous = null;
        for (var i = 0; i < steps.Count; i++)
        {
            var stepPath = string.Create(CultureInfo.InvariantCulture, $"{path}.steps[{i}]");
            if (steps[i] is not { } step)
            {
                errors.Add(stepPath, "Required.");
                continue;
            }

            if (!(step.AfterHours > 0 && step.AfterHours <= MaxHours))
            {
                errors.Add(stepPath + ".afterHours", string.Create(CultureInfo.InvariantCulture, $"Must be above 0 and at most {MaxHours}."));
            }
            else if (previous is not null && !(step.AfterHours > previous.AfterHours))
            {
                errors.Add(stepPath + ".afterHours", "Must be above the previous step's.");
            }

            if (!(step.Factor >= 0 && step.Factor <= 1))
            {
                errors.Add(stepPath + ".factor", "Must be 0..1.");
            }
            else if (previous is not null && step.Factor > previous.Factor)
            {
                errors.Add(stepPath + ".factor", "Must not be above the previous step's.");
            }

            previous = step;
        }
    }

    private static void FitRule(ScoringRule rule, string path, ValidationErrors errors)
    {
        var test = rule.Test;
        switch (test)
        {
            case FitTests.Complete:
                if (rule.Fields is not { Count: > 0 and <= MaxListItems } fields)
                {
                    errors.Add(path + ".fields", string.Create(CultureInfo.InvariantCulture, $"Required: 1..{MaxListItems} fields."));
                }
                else
                {
                    for (var i = 0; i < fields.Count; i++)
                    {
                        KnownField(fields[i], string.Create(CultureInfo.InvariantCulture, $"{path}.fields[{i}]"), errors);
                    }
                }

                break;
            case FitTests.BudgetAtLeast:
                if (rule.MinAmount is not { } min || min < 0)
                {
                    errors.Add(path + ".minAmount", "Required: 0 or more.");
                }

                break;
            case FitTests.DecisionWithin:
                if (rule.WithinDays is not ({ } days and >= 0 and <= MaxWithinDays))
                {
                    errors.Add(path + ".withinDays", string.Create(CultureInfo.InvariantCulture, $"Required: 0..{MaxWithinDays}."));
                }

                break;
            case FitTests.ValueIn:
                KnownField(rule.Field, path + ".field", errors);
                if (rule.Values is not { Count: > 0 and <= MaxListItems } values)
                {
                    errors.Add(path + ".values", string.Create(CultureInfo.InvariantCulture, $"Required: 1..{MaxListItems} values."));
                }
                else
                {
                    for (var i = 0; i < values.Count; i++)
                    {
                        if (string.IsNullOrWhiteSpace(values[i]) || values[i].Length > MaxValueLength)
                        {
                            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}.values[{i}]"), string.Create(CultureInfo.InvariantCulture, $"1..{MaxValueLength} characters."));
                        }
                    }
                }

                break;
            default:
                errors.Add(path + ".test", "Must be complete, budget-at-least, decision-within or value-in.");
                return;
        }

        if (test != FitTests.Complete)
        {
            NotFor(rule.Fields, path + ".fields", "Only for the test complete.", errors);
        }

        if (test != FitTests.ValueIn)
        {
            NotFor(rule.Field, path + ".field", "Only for the test value-in.", errors);
            NotFor(rule.Values, path + ".values", "Only for the test value-in.", errors);
        }

        if (test != FitTests.BudgetAtLeast)
        {
            NotFor(rule.MinAmount, path + ".minAmount", "Only for the test budget-at-least.", errors);
        }

        if (test != FitTests.DecisionWithin)
        {
            NotFor(rule.WithinDays, path + ".withinDays", "Only for the test decision-within.", errors);
        }
    }

    private static void Grades(GradeThresholds? grades, ValidationErrors errors)
    {
        if (grades is null)
        {
            errors.Add("grades", "Required.");
            return;
        }

        if (grades.WarmAbove < 0)
        {
            errors.Add("grades.warmAbove", "Must be 0 or more.");
        }

        if (grades.HotAbove <= grades.WarmAbove)
        {
            errors.Add("grades.hotAbove", "Must be above warmAbove.");
        }

        if (grades.Hysteresis < 0 || grades.Hysteresis > Math.Max(0, grades.WarmAbove))
        {
            errors.Add("grades.hysteresis", "Must be 0..warmAbove.");
        }
    }

    private static void KnownField(string? field, string path, ValidationErrors errors)
    {
        if (!ScoringFields.IsKnown(field))
        {
            errors.Add(path, "Unknown field; one of " + string.Join(", ", ScoringFields.Named) + " or fields.<key>.");
        }
    }

    private static void NotFor(object? value, string path, string reason, ValidationErrors errors)
    {
        if (value is not null)
        {
            errors.Add(path, reason);
        }
    }

    /// <summary>1..60 characters, lower-case kebab (the one rule of <see cref="Identifiers.IsKebab"/>).</summary>
    private static bool IsKebab(string? name) => Identifiers.IsKebab(name, MaxNameLength);
}
