using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Http;

namespace Crm.Leads.Pipelines;

/// <summary>The default pipeline, validation of a <see cref="PipelineDefinition"/> and the mapping to and from <see cref="Pipeline"/>.</summary>
public static class PipelineDefinitions
{
    public const int MaxStages = 20;
    public const int MaxLostReasons = 50;
    public const int MaxCriteria = 20;

    /// <summary>
    /// new → contacted → qualified → proposal → negotiation. Leaving <c>new</c> needs a logged call; leaving
    /// <c>contacted</c> the interest; leaving <c>qualified</c> a budget and a decision date; leaving <c>proposal</c> a
    /// quote sent. Won from proposal or negotiation; a step back is allowed from qualified on.
    /// </summary>
    public static Pipeline Default(DateTimeOffset now) => new()
    {
        Id = Pipeline.DefaultId,
        Name = "Sales",
        Stages =
        [
            new Stage("new", "New", ["contacted"], [], ["call"]),
            new Stage("contacted", "Contacted", ["qualified"], ["interest"], []),
            new Stage("qualified", "Qualified", ["proposal", "contacted"], ["budget", "decisionDate"], []),
            new Stage("proposal", "Proposal", ["negotiation", "qualified"], [], ["quote-sent"]),
            new Stage("negotiation", "Negotiation", ["proposal"], [], []),
        ],
        WinFrom = ["proposal", "negotiation"],
        LostReasons = ["no-budget", "no-response", "chose-competitor", "not-interested", "bad-timing", "duplicate", "other"],
        UpdatedAt = now,
        Version = 1,
    };

    /// <summary>Every problem of <paramref name="definition"/> at once, with request field paths (<c>stages[1].next[0]</c>).</summary>
    public static ValidationErrors Validate(PipelineDefinition definition)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(definition.Name) || definition.Name.Trim().Length > 100)
        {
            errors.Add("name", "A name of 1 to 100 characters is required.");
        }

        var stages = definition.Stages ?? [];
        if (stages.Count is 0 or > MaxStages)
        {
            errors.Add("stages", $"1 to {MaxStages} stages are required.");
        }

        var keys = stages.Select(s => s?.Key).ToList();
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var path = $"stages[{i}]";
            if (stage is null)
            {
                errors.Add(path, "A stage is required.");
                continue;
            }

            if (!Identifiers.IsKebab(stage.Key))
            {
                errors.Add($"{path}.key", "A lower-case kebab key of 1 to 40 characters is required (a-z, 0-9, '-').");
            }
            else if (keys.Count(k => k == stage.Key) > 1)
            {
                errors.Add($"{path}.key", $"Stage key '{stage.Key}' is used twice.");
            }

            if (stage.Name is { } name && (string.IsNullOrWhiteSpace(name) || name.Length > 100))
            {
                errors.Add($"{path}.name", "At most 100 characters, not blank.");
            }

            var next = stage.Next ?? [];
            for (var j = 0; j < next.Count; j++)
            {
                if (next[j] is not { } target || !keys.Contains(target))
                {
                    errors.Add($"{path}.next[{j}]", $"'{next[j]}' is not a stage of this pipeline.");
                }
                else if (target == stage.Key)
                {
                    errors.Add($"{path}.next[{j}]", "A stage cannot move to itself.");
                }
            }

            var fields = stage.RequiredFields ?? [];
            if (fields.Count > MaxCriteria)
            {
                errors.Add($"{path}.requiredFields", $"At most {MaxCriteria}.");
            }

            for (var j = 0; j < fields.Count; j++)
            {
                if (!LeadFields.IsKnown(fields[j]))
                {
                    errors.Add($"{path}.requiredFields[{j}]", $"Unknown field '{fields[j]}': use {string.Join(", ", LeadFields.Names)} or fields.<key>.");
                }
            }

            var activities = stage.RequiredActivities ?? [];
            if (activities.Count > MaxCriteria)
            {
                errors.Add($"{path}.requiredActivities", $"At most {MaxCriteria}.");
            }

            for (var j = 0; j < activities.Count; j++)
            {
                if (!Identifiers.IsKebab(activities[j]))
                {
                    errors.Add($"{path}.requiredActivities[{j}]", "An activity type is lower-case kebab, 1 to 40 characters.");
                }
            }
        }

        var winFrom = definition.WinFrom ?? [];
        for (var j = 0; j < winFrom.Count; j++)
        {
            if (winFrom[j] is not { } key || !keys.Contains(key))
            {
                errors.Add($"winFrom[{j}]", $"'{winFrom[j]}' is not a stage of this pipeline.");
            }
        }

        var reasons = definition.LostReasons ?? [];
        if (reasons.Count is 0 or > MaxLostReasons)
        {
            errors.Add("lostReasons", $"1 to {MaxLostReasons} reasons are required.");
        }

        for (var j = 0; j < reasons.Count; j++)
        {
            if (!Identifiers.IsKebab(reasons[j], 60))
            {
                errors.Add($"lostReasons[{j}]", "A reason is lower-case kebab, 1 to 60 characters.");
            }
            else if (reasons.Count(r => r == reasons[j]) > 1)
            {
                errors.Add($"lostReasons[{j}]", $"'{reasons[j]}' is listed twice.");
            }
        }

        return errors;
    }

    /// <summary>A valid definition as the document of version <paramref name="version"/>.</summary>
    public static Pipeline ToPipeline(string id, PipelineDefinition definition, long version, DateTimeOffset now, Crm.Contracts.Audit.Actor? by) => new()
    {
        Id = id,
        Name = definition.Name!.Trim(),
        Stages = [.. definition.Stages!.Select(s => new Stage(
            s.Key!,
            string.IsNullOrWhiteSpace(s.Name) ? s.Key! : s.Name.Trim(),
            [.. (s.Next ?? []).Distinct(StringComparer.Ordinal)],
            [.. (s.RequiredFields ?? []).Distinct(StringComparer.Ordinal)],
            [.. (s.RequiredActivities ?? []).Distinct(StringComparer.Ordinal)]))],
        WinFrom = definition.WinFrom is { Count: > 0 } winFrom ? [.. winFrom.Distinct(StringComparer.Ordinal)] : [.. definition.Stages!.Select(s => s.Key!)],
        LostReasons = [.. definition.LostReasons!],
        UpdatedAt = now,
        UpdatedBy = by,
        Version = version,
    };

    public static PipelineDefinition ToDefinition(this Pipeline pipeline) => new()
    {
        Id = pipeline.Id,
        Name = pipeline.Name,
        Stages = [.. pipeline.Stages.Select(s => new PipelineStage { Key = s.Key, Name = s.Name, Next = s.Next, RequiredFields = s.RequiredFields, RequiredActivities = s.RequiredActivities })],
        WinFrom = pipeline.WinFrom,
        LostReasons = pipeline.LostReasons,
        Version = pipeline.Version,
        UpdatedAt = pipeline.UpdatedAt,
    };
}
