using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Routing;

/// <summary>
/// The routing state, one document (<c>routing_state/round-robin</c>): per rule, its round-robin cursor, the weighted
/// strategy's credits and the fairness window's counts. Every unit of work that assigns, or that leaves a lead
/// waiting, writes it with the version it read: two such units can then never both commit on what they read, which
/// keeps a lead from waiting in the backlog while a rep has room (the write skew of review finding M5) and keeps
/// credits and fairness counts exact.
/// </summary>
public sealed record RoutingState : IDocument
{
    public const string RoundRobinId = "round-robin";

    public string Id { get; init; } = RoundRobinId;
    /// <summary>Each rule's state by rule id.</summary>
    public IReadOnlyDictionary<string, RuleState> Rules { get; init; } = new Dictionary<string, RuleState>();
    public long Version { get; init; }
}
