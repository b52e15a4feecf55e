using Crm.ServiceDefaults.Http;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Scoring;

/// <summary>One change of a lead's score or grade (collection <c>score_history</c>): what it became, from what, and why.</summary>
public sealed record ScoreChange : IDocument
{
    public required string Id { get; init; }
    public required string LeadId { get; init; }
    public required DateTimeOffset At { get; init; }
    public required int Score { get; init; }
    public required Grade Grade { get; init; }
    public int Engagement { get; init; }
    public int Fit { get; init; }
    public int? PreviousScore { get; init; }
    public Grade? PreviousGrade { get; init; }
    /// <summary><c>capture</c>, <c>signals</c>, <c>repeat-capture</c>, <c>decay</c>, <c>rules</c>, <c>attributes</c>.</summary>
    public required string Cause { get; init; }
    public int RulesVersion { get; init; }
    public IReadOnlyList<ScoreItem> Breakdown { get; init; } = [];
    public long Version { get; init; } = 1;
}

/// <summary>
/// A lead's score kept current: its signals (aggregated per type and UTC day), the engine's outcome stored on it, and
/// what a change announces — <c>LeadScored</c> only when the score or grade moved, <c>LeadBecameHot</c> once per
/// crossing into hot, a history entry, and the durable timer <c>lead-decay</c> at the next instant time alone would
/// change the score (decay that crosses a threshold is applied by the timers, not only at read time).
/// </summary>
public static class LeadScoring
{
    public const string DecayTimer = "lead-decay";

    /// <summary>Buckets kept per lead: the oldest beyond it are folded away (a year of daily activity of a dozen types).</summary>
    public const int MaxBuckets = 4000;

    public static ScoringSubject SubjectOf(Lead lead) => new()
    {
        Name = lead.Name,
        Email = lead.Email,
        Phone = lead.Phone,
        Source = lead.Source,
        Channel = WireNames.Of(lead.Channel),
        Campaign = lead.Campaign,
        Interest = lead.Interest,
        Region = lead.Region,
        BudgetAmount = lead.Budget is { } budget ? MoneyValues.AmountOf(budget) : null,
        DecisionDate = lead.DecisionDate,
        Fields = lead.Fields,
        Signals = lead.Signals,
    };

    /// <summary><paramref name="buckets"/> with <paramref name="count"/> signals of <paramref name="type"/> at <paramref name="at"/> added to their day's bucket.</summary>
    public static IReadOnlyList<SignalBucket> WithSignal(IReadOnlyList<SignalBucket> buckets, string type, DateTimeOffset at, int count = 1)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var list = new List<SignalBucket>(buckets.Count + 1);
        var merged = false;
        foreach (var bucket in buckets)
        {
            if (!merged && bucket.Type == type && bucket.Day == day)
            {
                list.Add(bucket with
                {
                    Count = bucket.Count + count,
                    First = at < bucket.First ? at : bucket.First,
                    Last = at > bucket.Last ? at : bucket.Last,
                });
                merged = true;
            }
            else
            {
                list.Add(bucket);
            }
        }

        if (!merged)
        {
            list.Add(new SignalBucket(type, day, count, at, at));
        }

        return list.Count > MaxBuckets ? [.. list.OrderByDescending(b => b.Last).Take(MaxBuckets)] : list;
    }

    /// <summary>The signals a capture brings: the pages it counted (undated: at the capture) and its last interaction.</summary>
    public static IReadOnlyList<SignalBucket> CaptureSignals(IReadOnlyList<SignalBucket> buckets, int pagesVisited, DateTimeOffset? lastInteractionAt, DateTimeOffset capturedAt)
    {
        if (pagesVisited > 0)
        {
            buckets = WithSignal(buckets, SignalTypes.CapturedPages, capturedAt, pagesVisited);
        }

        return lastInteractionAt is { } last ? WithSignal(buckets, SignalTypes.Interaction, last) : buckets;
    }

    /// <summary>The lead scored with <paramref name="rules"/> at <paramref name="now"/> (the previous grade kept for hysteresis unless <paramref name="initial"/>).</summary>
    public static Lead Scored(this Lead lead, ScoringRuleSet rules, DateTimeOffset now, bool initial = false)
    {
        var outcome = ScoreEngine.Score(SubjectOf(lead), rules, now, initial ? null : lead.Grade);
        return lead with
        {
            Score = outcome.Score,
            Grade = outcome.Grade,
            Engagement = outcome.Engagement,
            Fit = outcome.Fit,
            ScoreBreakdown = outcome.Breakdown,
            ScoredAt = now,
            RulesVersion = rules.Version,
            NextReviewAt = lead.Status == LeadStatus.Open ? outcome.NextReviewAt : null,
        };
    }

    /// <summary>
    /// Writes what a (re)score of <paramref name="after"/> announces, compared with <paramref name="before"/> (null: its
    /// first announcement, at capture or when its pending contact is resolved): LeadScored when score or grade moved,
    /// LeadBecameHot on a crossing into hot, a history entry, and the decay timer. True when something moved. With
    /// <paramref name="batch"/>, a rescore's LeadScored is collected there instead of published (see
    /// <see cref="PublishBatch"/>); a first score is always published on its own.
    /// </summary>
    public static bool Announce(UnitOfWork unit, Lead? before, Lead after, string cause, List<LeadScored>? batch = null)
    {
        var moved = before is null || before.Score != after.Score || before.Grade != after.Grade;
        if (after.NextReviewAt is { } review)
        {
            if (review != before?.NextReviewAt)
            {
                unit.Schedule(DecayTimer, after.Id, review);
            }
        }
        else if (before?.NextReviewAt is not null)
        {
            unit.CancelTimer(DecayTimer, after.Id);
        }

        if (!moved || after.ContactId is not { } contactId)
        {
            return false;
        }

        var scored = new LeadScored
        {
            EventId = Ids.NewGuid(),
            OccurredAt = before is null ? after.CapturedAt : unit.Now,
            LeadId = after.Id,
            ContactId = contactId,
            Score = after.Score,
            Grade = WireNames.Of(after.Grade),
            PreviousScore = before?.Score,
            PreviousGrade = before is null ? null : WireNames.Of(before.Grade),
            Reasons = [.. after.ScoreBreakdown.Select(r => new ScoreReason { Rule = r.Rule, Points = r.Points, Detail = r.Detail })],
            Source = after.Source,
            Channel = WireNames.Of(after.Channel),
            Engagement = after.Engagement,
            Fit = after.Fit,
            Cause = cause,
            Campaign = after.Campaign,
            Interest = after.Interest,
            Region = after.Region,
            Language = after.Fields.GetValueOrDefault("language"),
        };
        if (batch is not null && before is not null)
        {
            batch.Add(scored);
        }
        else
        {
            unit.Publish(scored);
        }

        if (after.Grade == Grade.Hot && before?.Grade != Grade.Hot)
        {
            unit.Publish(new LeadBecameHot
            {
                EventId = Ids.NewGuid(),
                OccurredAt = before is null ? after.CapturedAt : unit.Now,
                LeadId = after.Id,
                ContactId = contactId,
                Score = after.Score,
                PreviousGrade = before is null ? null : WireNames.Of(before.Grade),
                OwnerId = after.OwnerId,
            });
        }

        unit.Insert(ScoringCollections.History, new ScoreChange
        {
            Id = Ids.New(),
            LeadId = after.Id,
            At = before is null ? after.CapturedAt : unit.Now,
            Score = after.Score,
            Grade = after.Grade,
            Engagement = after.Engagement,
            Fit = after.Fit,
            PreviousScore = before?.Score,
            PreviousGrade = before?.Grade,
            Cause = cause,
            RulesVersion = after.RulesVersion,
            Breakdown = after.ScoreBreakdown,
        });
        return true;
    }

    /// <summary>The rescores <see cref="Announce"/> collected, published as <see cref="LeadScoresChanged"/> (at most <see cref="LeadScoresChanged.MaxScores"/> each).</summary>
    public static void PublishBatch(UnitOfWork unit, IReadOnlyList<LeadScored> batch)
    {
        foreach (var chunk in batch.Chunk(LeadScoresChanged.MaxScores))
        {
            unit.Publish(new LeadScoresChanged { EventId = Ids.NewGuid(), OccurredAt = unit.Now, Scores = chunk });
        }
    }
}
