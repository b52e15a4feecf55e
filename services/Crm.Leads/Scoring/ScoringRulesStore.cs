using Crm.Contracts.Api.Leads;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace Crm.Leads.Scoring;

/// <summary>The rule set in force (collection <c>scoring_rules</c>, id <c>current</c>); every saved version is kept in <c>scoring_rule_versions</c>.</summary>
public sealed record StoredRuleSet : IDocument
{
    public const string CurrentId = "current";

    public required string Id { get; init; }
    public required ScoringRuleSet Rules { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public Actor? UpdatedBy { get; init; }
    public long Version { get; init; } = 1;

    public static string VersionId(int version) => $"v{version}";
}

/// <summary>The scoring collections: the current rule set, its saved versions, score history and rescore jobs.</summary>
public static class ScoringCollections
{
    public static readonly DocumentCollection<StoredRuleSet> Rules = new("scoring_rules");

    public static readonly DocumentCollection<StoredRuleSet> RuleVersions = new("scoring_rule_versions");

    /// <summary>A lead's score history, newest first by lead.</summary>
    public static readonly DocumentCollection<ScoreChange> History = new DocumentCollection<ScoreChange>("score_history")
        .Index("lead_at", i => i.Asc(x => x.LeadId).Desc(x => x.At).Asc(x => x.Id));

    public static readonly DocumentCollection<RescoreJob> Jobs = new("rescore_jobs");
}

/// <summary>
/// The rule set in force, read through a short cache (every replica sees a new version within
/// <see cref="CacheFor"/>; the one that saved it at once). Until one is saved, the seed rule from
/// <see cref="ScoringOptions"/> (<see cref="DefaultScoringRules"/>, version 1).
/// </summary>
public sealed class ScoringRules(IDocumentStore store, IOptions<ScoringOptions> options, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private (ScoringRuleSet Rules, DateTimeOffset ReadAt)? _cached;

    public ScoringRuleSet Default => DefaultScoringRules.For(options.Value);

    public async Task<ScoringRuleSet> CurrentAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cached is { } cached && now - cached.ReadAt < CacheFor)
        {
            return cached.Rules;
        }

        var stored = await store.GetAsync(ScoringCollections.Rules, StoredRuleSet.CurrentId, cancellationToken);
        var rules = stored?.Rules ?? Default;
        _cached = (rules, now);
        return rules;
    }

    /// <summary>Forget the cached set (after this process saved a new one).</summary>
    public void Invalidate() => _cached = null;
}
