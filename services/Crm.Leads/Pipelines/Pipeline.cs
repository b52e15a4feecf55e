using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Pipelines;

/// <summary>A stage of a pipeline: where a lead may go next and what it needs before it leaves.</summary>
public sealed record Stage(string Key, string Name, IReadOnlyList<string> Next, IReadOnlyList<string> RequiredFields, IReadOnlyList<string> RequiredActivities);

/// <summary>What a lead lacks to leave its stage: exactly the missing fields and activities (a 422 lists them).</summary>
public sealed record MissingCriteria(string Stage, IReadOnlyList<string> Fields, IReadOnlyList<string> Activities)
{
    public bool IsEmpty => Fields.Count == 0 && Activities.Count == 0;

    public string Describe()
    {
        var parts = new List<string>(2);
        if (Fields.Count > 0)
        {
            parts.Add("fields " + string.Join(", ", Fields));
        }

        if (Activities.Count > 0)
        {
            parts.Add("activities " + string.Join(", ", Activities));
        }

        return $"Stage '{Stage}' cannot be left yet: missing {string.Join("; missing ", parts)}.";
    }
}

/// <summary>
/// A pipeline (a document of <c>pipelines</c>; every saved version is kept in <c>pipeline_versions</c>): stages in
/// order, allowed moves, exit criteria, the stages a lead may be won from and the reasons it may be lost for. Pure
/// rules: <see cref="CheckMove"/>, <see cref="CheckWin"/>, <see cref="MissingToLeave"/>.
/// </summary>
public sealed record Pipeline : IDocument
{
    public const string DefaultId = "default";

    public required string Id { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<Stage> Stages { get; init; }
    public required IReadOnlyList<string> WinFrom { get; init; }
    public required IReadOnlyList<string> LostReasons { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public Crm.Contracts.Audit.Actor? UpdatedBy { get; init; }
    public long Version { get; init; } = 1;

    public string FirstStage => Stages[0].Key;

    public Stage? StageOf(string key) => Stages.FirstOrDefault(s => s.Key == key);

    private int IndexOf(string key) => Stages.ToList().FindIndex(s => s.Key == key);

    /// <summary>What <paramref name="lead"/> lacks to leave its current stage (empty when nothing; a stage no longer in the pipeline needs nothing).</summary>
    public MissingCriteria MissingToLeave(Lead lead)
    {
        var stage = StageOf(lead.Stage);
        return stage is null
            ? new MissingCriteria(lead.Stage, [], [])
            : new MissingCriteria(
                stage.Key,
                [.. stage.RequiredFields.Where(f => !LeadFields.IsPresent(lead, f))],
                [.. stage.RequiredActivities.Where(a => !LeadFields.HasActivity(lead, a))]);
    }

    /// <summary>
    /// Null when <paramref name="lead"/> may move to <paramref name="target"/>; else the problem (a 422). A move must be
    /// listed in the stage's <c>next</c>; a move forward (to a later stage) must meet the current stage's exit criteria;
    /// a move back needs nothing. A lead whose stage was removed from the pipeline may move to any stage.
    /// </summary>
    public MoveProblem? CheckMove(Lead lead, string target)
    {
        if (lead.Status != LeadStatus.Open)
        {
            return new MoveProblem("The lead is closed.", $"Lead {lead.Id} is {Wire(lead.Status)}: reopen it first (POST /api/leads/{lead.Id}/reopen).", null);
        }

        if (StageOf(target) is null)
        {
            return new MoveProblem("Unknown stage.", $"Pipeline '{Id}' has no stage '{target}' (stages: {string.Join(", ", Stages.Select(s => s.Key))}).", null);
        }

        if (target == lead.Stage)
        {
            return new MoveProblem("The lead is already in that stage.", $"Lead {lead.Id} is already in stage '{target}'.", null);
        }

        var current = StageOf(lead.Stage);
        if (current is not null && !current.Next.Contains(target, StringComparer.Ordinal))
        {
            return new MoveProblem(
                "The move is not allowed.",
                $"Stage '{current.Key}' may move to {(current.Next.Count == 0 ? "no other stage" : string.Join(", ", current.Next))}, not to '{target}'.",
                null);
        }

        if (current is not null && IndexOf(target) > IndexOf(current.Key) && MissingToLeave(lead) is { IsEmpty: false } missing)
        {
            return new MoveProblem("Exit criteria are not met.", missing.Describe(), missing);
        }

        return null;
    }

    /// <summary>Null when <paramref name="lead"/> may be won now; else the problem: closed, a stage not in <see cref="WinFrom"/>, or exit criteria missing.</summary>
    public MoveProblem? CheckWin(Lead lead)
    {
        if (lead.Status != LeadStatus.Open)
        {
            return new MoveProblem("The lead is closed.", $"Lead {lead.Id} is {Wire(lead.Status)}: reopen it first.", null);
        }

        if (StageOf(lead.Stage) is not null && !WinFrom.Contains(lead.Stage, StringComparer.Ordinal))
        {
            return new MoveProblem("The lead cannot be won from this stage.", $"Pipeline '{Id}' allows won from {string.Join(", ", WinFrom)}, not from '{lead.Stage}'.", null);
        }

        return MissingToLeave(lead) is { IsEmpty: false } missing ? new MoveProblem("Exit criteria are not met.", missing.Describe(), missing) : null;
    }

    public static string Wire(LeadStatus status) => status switch
    {
        LeadStatus.Open => "open",
        LeadStatus.Won => "won",
        _ => "lost",
    };
}

/// <summary>Why a move, win or loss is refused (a 422), with what is missing when exit criteria are not met.</summary>
public sealed record MoveProblem(string Title, string Detail, MissingCriteria? Missing)
{
    public Crm.ServiceDefaults.Http.ProblemException ToException() =>
        Crm.ServiceDefaults.Http.ProblemException.Unprocessable(
            Title,
            Detail,
            Missing is null ? null : new Dictionary<string, object?>
            {
                ["stage"] = Missing.Stage,
                ["missingFields"] = Missing.Fields,
                ["missingActivities"] = Missing.Activities,
            });
}
