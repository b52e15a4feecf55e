using Crm.Contracts.Api.Leads;
using Crm.Contracts.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Scoring;

/// <summary>
/// Durable timer <c>lead-decay</c> (key: the lead's id), due when time alone changes an open lead's score (a decay step,
/// a grade crossing under half-life decay, a decision date window): scores it again now and announces what moved.
/// </summary>
public sealed class DecayLeadScore(ScoringRules rules) : ITimerHandler
{
    public string Kind => LeadScoring.DecayTimer;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var lead = await unit.GetAsync(LeadCollections.Leads, timer.Key, cancellationToken);
        if (lead is not { Status: LeadStatus.Open, ContactPending: false })
        {
            return;
        }

        var rescored = lead.Scored(await rules.CurrentAsync(cancellationToken), unit.Now) with { Version = lead.Version + 1 };
        unit.Replace(LeadCollections.Leads, rescored, lead.Version);
        LeadScoring.Announce(unit, lead, rescored, "decay");
    }
}

/// <summary>A background rescore of every open lead with a new rule set (collection <c>rescore_jobs</c>): <c>status</c>, <c>progress</c>, <c>result</c>.</summary>
public sealed record RescoreJob : IDocument
{
    public required string Id { get; init; }
    public required int RulesVersion { get; init; }
    /// <summary><c>running</c>, <c>done</c> or <c>superseded</c> (a newer rule set's job took over).</summary>
    public required string Status { get; init; }
    public long Total { get; init; }
    public long Done { get; init; }
    public long Changed { get; init; }
    /// <summary>The last lead id done (keyset: the next chunk starts after it).</summary>
    public string? After { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public long Version { get; init; } = 1;
}

/// <summary>
/// Durable timer <c>lead-rescore</c> (key: the job's id): scores the next <see cref="Chunk"/> open leads (by id) with
/// the current rule set, announces what moved, records the progress and comes back at once until every open lead is
/// done. A crash repeats at most one chunk (a rescore is idempotent: unchanged scores announce nothing).
/// </summary>
public sealed class RescoreOpenLeads(ScoringRules rules) : ITimerHandler
{
    public const string TimerKind = "lead-rescore";
    public const int Chunk = 200;

    public string Kind => TimerKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var job = await unit.GetAsync(ScoringCollections.Jobs, timer.Key, cancellationToken);
        if (job is not { Status: "running" })
        {
            return;
        }

        var current = await rules.CurrentAsync(cancellationToken);
        if (current.Version != job.RulesVersion)
        {
            unit.Replace(ScoringCollections.Jobs, job with { Status = "superseded", FinishedAt = unit.Now, Version = job.Version + 1 }, job.Version);
            return;
        }

        var leads = await unit.FindAsync(LeadQueries.OpenAfter(job.After ?? string.Empty, Chunk), cancellationToken);
        var changed = 0;
        var scores = new List<LeadScored>();
        foreach (var lead in leads.Where(l => !l.ContactPending))
        {
            var rescored = lead.Scored(current, unit.Now) with { Version = lead.Version + 1 };
            unit.Replace(LeadCollections.Leads, rescored, lead.Version);
            if (LeadScoring.Announce(unit, lead, rescored, "rules", scores))
            {
                changed++;
            }
        }

        LeadScoring.PublishBatch(unit, scores);

        var done = leads.Count < Chunk;
        unit.Replace(
            ScoringCollections.Jobs,
            job with
            {
                Done = job.Done + leads.Count,
                Changed = job.Changed + changed,
                After = leads.Count > 0 ? leads[^1].Id : job.After,
                Status = done ? "done" : "running",
                FinishedAt = done ? unit.Now : null,
                Total = Math.Max(job.Total, job.Done + leads.Count),
                Version = job.Version + 1,
            },
            job.Version);
        if (!done)
        {
            unit.Schedule(TimerKind, job.Id, unit.Now);
        }
    }
}
