using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Http;

namespace Crm.Contacts.Segments;

/// <summary>
/// Segment rules, pure: <see cref="Compile"/> checks a rule (every bad node named at once, by its path such as
/// <c>rule.all[1].any[0].value</c>) and turns it into a <see cref="RuleNode"/> that answers
/// <see cref="RuleNode.Matches"/> (is the contact a member now?) and <see cref="RuleNode.NextChange"/> (the next
/// instant its answer could change by time alone: a relative date such as <c>olderThan P90D</c> crossing its bound).
/// </summary>
public static partial class SegmentRules
{
    public const int MaxDepth = 5;
    public const int MaxConditions = 50;
    public const int MaxListValues = 100;

    public static readonly IReadOnlyList<string> Operators = ["eq", "ne", "in", "gt", "gte", "lt", "lte", "between", "contains", "exists", "olderThan", "withinLast"];

    /// <summary>The rule compiled, or null with every bad node in <paramref name="errors"/> under <paramref name="path"/>.</summary>
    public static RuleNode? Compile(SegmentRule? rule, ValidationErrors errors, string path = "rule")
    {
        if (rule is null)
        {
            errors.Add(path, "A rule is required: { \"all\": [...] }, { \"any\": [...] } or a condition { \"field\", \"op\", \"value\" }.");
            return null;
        }

        var conditions = 0;
        var node = Compile(rule, errors, path, 1, ref conditions);
        if (conditions > MaxConditions)
        {
            errors.Add(path, $"At most {MaxConditions} conditions in a rule.");
        }

        return errors.IsEmpty ? node : null;
    }

    private static RuleNode? Compile(SegmentRule rule, ValidationErrors errors, string path, int depth, ref int conditions)
    {
        var shapes = (rule.All is not null ? 1 : 0) + (rule.Any is not null ? 1 : 0) + (rule.Field is not null || rule.Op is not null || rule.Value is not null ? 1 : 0);
        if (shapes != 1)
        {
            errors.Add(path, "Exactly one of: \"all\" (a list), \"any\" (a list), or a condition (\"field\", \"op\", \"value\").");
            return null;
        }

        if ((rule.All ?? rule.Any) is { } nodes)
        {
            var name = rule.All is not null ? "all" : "any";
            if (depth >= MaxDepth)
            {
                errors.Add($"{path}.{name}", $"Groups nest at most {MaxDepth - 1} deep.");
                return null;
            }

            if (nodes.Count == 0)
            {
                errors.Add($"{path}.{name}", "A group needs at least one rule.");
                return null;
            }

            var compiled = new List<RuleNode>(nodes.Count);
            for (var i = 0; i < nodes.Count; i++)
            {
                var at = string.Create(CultureInfo.InvariantCulture, $"{path}.{name}[{i}]");
                if (nodes[i] is null)
                {
                    errors.Add(at, "A rule is required.");
                }
                else if (Compile(nodes[i], errors, at, depth + 1, ref conditions) is { } child)
                {
                    compiled.Add(child);
                }
            }

            return rule.All is not null ? new AllNode(compiled) : new AnyNode(compiled);
        }

        conditions++;
        return CompileCondition(rule, errors, path);
    }

    private static Condition? CompileCondition(SegmentRule rule, ValidationErrors errors, string path)
    {
        var field = rule.Field;
        var kind = field is null ? null : SegmentFields.KindOf(field);
        if (kind is null)
        {
            errors.Add($"{path}.field", field is null ? "A field is required." : $"'{field}' is not a field segments know (see the documented list).");
        }

        var op = rule.Op;
        if (op is null || !Operators.Contains(op))
        {
            errors.Add($"{path}.op", $"One of {string.Join(", ", Operators)}.");
            return null;
        }

        if (kind is not { } k)
        {
            return null;
        }

        if (!Allowed(k, op))
        {
            errors.Add($"{path}.op", $"'{op}' does not apply to '{field}' ({k.ToString().ToLowerInvariant()}).");
            return null;
        }

        var valuePath = $"{path}.value";
        var value = rule.Value ?? default;
        switch (op)
        {
            case "exists":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(valuePath, "true (the field has a value) or false (it has none).");
                    return null;
                }

                return new Condition(field!, op, [Fact.Of(value.GetBoolean())], null);
            case "olderThan" or "withinLast":
                if (value.ValueKind != JsonValueKind.String || !TryParseDuration(value.GetString()!, out var duration))
                {
                    errors.Add(valuePath, "An ISO 8601 duration in weeks, days, hours, minutes or seconds: P90D, P2W, PT12H.");
                    return null;
                }

                return new Condition(field!, op, [], duration);
            case "in":
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxListValues)
                {
                    errors.Add(valuePath, $"A list of 1 to {MaxListValues} values.");
                    return null;
                }

                return Operands(field!, k, op, [.. value.EnumerateArray()], errors, valuePath);
            case "between":
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2)
                {
                    errors.Add(valuePath, "Two bounds [from, to], both included.");
                    return null;
                }

                var range = Operands(field!, k, op, [.. value.EnumerateArray()], errors, valuePath);
                if (range is not null && range.Operands[0].Compare(range.Operands[1]) > 0)
                {
                    errors.Add(valuePath, "The first bound must not be after the second.");
                    return null;
                }

                return range;
            default:
                return Operands(field!, k, op, [value], errors, valuePath);
        }
    }

    private static bool Allowed(FieldKind kind, string op) => op switch
    {
        "exists" => true,
        "eq" or "ne" => kind != FieldKind.List,
        "in" => kind is FieldKind.Text or FieldKind.Number or FieldKind.Custom,
        "gt" or "gte" or "lt" or "lte" or "between" => kind is FieldKind.Number or FieldKind.Instant or FieldKind.Custom,
        "contains" => kind is FieldKind.List or FieldKind.Text or FieldKind.Custom,
        _ => kind is FieldKind.Instant or FieldKind.Custom,
    };

    /// <summary>The operands checked against the field's kind (and closed value list).</summary>
    private static Condition? Operands(string field, FieldKind kind, string op, IReadOnlyList<JsonElement> values, ValidationErrors errors, string path)
    {
        var operands = new List<Fact>(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            var at = values.Count == 1 && op is not ("in" or "between") ? path : string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
            var json = values[i];
            Fact? fact = kind switch
            {
                FieldKind.Text or FieldKind.List when json.ValueKind == JsonValueKind.String => Fact.Of(json.GetString()!),
                FieldKind.Number when json.ValueKind == JsonValueKind.Number && json.TryGetDecimal(out var d) => Fact.Of(d),
                FieldKind.Bool when json.ValueKind is JsonValueKind.True or JsonValueKind.False => Fact.Of(json.GetBoolean()),
                FieldKind.Instant when json.ValueKind == JsonValueKind.String && Fact.TryParseInstant(json.GetString(), out var instant) => Fact.Of(instant),
                FieldKind.Custom => Fact.Of(json),
                _ => null,
            };
            if (fact is null)
            {
                errors.Add(at, kind switch
                {
                    FieldKind.Text or FieldKind.List => "A string.",
                    FieldKind.Number => "A number.",
                    FieldKind.Bool => "true or false.",
                    FieldKind.Instant => "A date (2026-12-24) or a date-time with an offset (2026-12-24T10:00:00Z).",
                    _ => "A string, number or boolean.",
                });
                continue;
            }

            if (SegmentFields.Closed.TryGetValue(field, out var allowed) && op != "contains" && !allowed.Contains(fact.Value.Text!.ToLowerInvariant()))
            {
                errors.Add(at, $"One of {string.Join(", ", allowed)}.");
                continue;
            }

            operands.Add(fact.Value);
        }

        return operands.Count == values.Count ? new Condition(field, op, operands, null) : null;
    }

    /// <summary>ISO 8601 durations of fixed length: weeks, days, hours, minutes, seconds (months and years vary, so they are refused).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var match = Duration().Match(text);
        if (!match.Success || text is "P" or "PT" || text.EndsWith('T'))
        {
            return false;
        }

        double Part(string name) => match.Groups[name].Success ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        var total = TimeSpan.FromDays((Part("w") * 7) + Part("d")) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s"));
        if (total <= TimeSpan.Zero || total > TimeSpan.FromDays(36_500))
        {
            return false;
        }

        duration = total;
        return true;
    }

    [GeneratedRegex(@"^P(?:(?<w>\d{1,5})W)?(?:(?<d>\d{1,5})D)?(?:T(?:(?<h>\d{1,6})H)?(?:(?<m>\d{1,7})M)?(?:(?<s>\d{1,9})S)?)?$")]
    private static partial Regex Duration();
}

/// <summary>A compiled rule node.</summary>
public abstract record RuleNode
{
    /// <summary>Whether the contact described by <paramref name="facts"/> is a member at <paramref name="now"/>.</summary>
    public abstract bool Matches(SegmentFacts facts, DateTimeOffset now);

    /// <summary>
    /// The next instant after <paramref name="now"/> at which <see cref="Matches"/> could answer otherwise with the same
    /// facts (a relative date crossing its bound), or null when time alone changes nothing. Conservative: a group
    /// reports its nodes' earliest instant even when that node's flip would not change the group's answer.
    /// </summary>
    public abstract DateTimeOffset? NextChange(SegmentFacts facts, DateTimeOffset now);

    /// <summary>Whether any condition depends on the current time (olderThan, withinLast).</summary>
    public abstract bool IsTimeBased { get; }

    protected static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;
}

public sealed record AllNode(IReadOnlyList<RuleNode> Nodes) : RuleNode
{
    public override bool Matches(SegmentFacts facts, DateTimeOffset now) => Nodes.All(n => n.Matches(facts, now));

    public override DateTimeOffset? NextChange(SegmentFacts facts, DateTimeOffset now) => Nodes.Aggregate((DateTimeOffset?)null, (at, n) => Earliest(at, n.NextChange(facts, now)));

    public override bool IsTimeBased => Nodes.Any(n => n.IsTimeBased);
}

public sealed record AnyNode(IReadOnlyList<RuleNode> Nodes) : RuleNode
{
    public override bool Matches(SegmentFacts facts, DateTimeOffset now) => Nodes.Any(n => n.Matches(facts, now));

    public override DateTimeOffset? NextChange(SegmentFacts facts, DateTimeOffset now) => Nodes.Aggregate((DateTimeOffset?)null, (at, n) => Earliest(at, n.NextChange(facts, now)));

    public override bool IsTimeBased => Nodes.Any(n => n.IsTimeBased);
}

/// <summary>
/// <c>field op operands</c>. A field without a value matches only <c>ne</c>, <c>exists false</c> (and nothing else);
/// <c>olderThan d</c>: the instant is more than d before now; <c>withinLast d</c>: it is at most d before now (or later).
/// </summary>
public sealed record Condition(string Field, string Op, IReadOnlyList<Fact> Operands, TimeSpan? Duration) : RuleNode
{
    public override bool IsTimeBased => Duration is not null;

    public override bool Matches(SegmentFacts facts, DateTimeOffset now)
    {
        if (Field == "tags")
        {
            var tags = facts.GetList(Field);
            return Op == "exists"
                ? tags.Count > 0 == Operands[0].Bool
                : tags.Any(t => string.Equals(t, Operands[0].Text, StringComparison.OrdinalIgnoreCase));
        }

        var value = facts.Get(Field);
        if (Op == "exists")
        {
            return value is not null == Operands[0].Bool;
        }

        if (value is not { } v)
        {
            return Op == "ne";
        }

        return Op switch
        {
            "eq" => v.EqualTo(Operands[0]),
            "ne" => !v.EqualTo(Operands[0]),
            "in" => Operands.Any(v.EqualTo),
            "gt" => v.Compare(Operands[0]) > 0,
            "gte" => v.Compare(Operands[0]) >= 0,
            "lt" => v.Compare(Operands[0]) < 0,
            "lte" => v.Compare(Operands[0]) <= 0,
            "between" => v.Compare(Operands[0]) >= 0 && v.Compare(Operands[1]) <= 0,
            "contains" => v.Kind == FactKind.Text && Operands[0].Kind == FactKind.Text && v.Text!.Contains(Operands[0].Text!, StringComparison.OrdinalIgnoreCase),
            "olderThan" => v.AsInstant() is { } at && at < now - Duration!.Value,
            "withinLast" => v.AsInstant() is { } at2 && at2 >= now - Duration!.Value,
            _ => false,
        };
    }

    /// <summary>Both relative operators flip just after <c>instant + duration</c> (olderThan to true, withinLast to false).</summary>
    public override DateTimeOffset? NextChange(SegmentFacts facts, DateTimeOffset now)
    {
        if (Duration is not { } duration || facts.Get(Field)?.AsInstant() is not { } at)
        {
            return null;
        }

        var flip = at + duration + TimeSpan.FromMilliseconds(1);
        return flip > now ? flip : null;
    }
}
