using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Routing;

/// <summary>
/// The round-robin cursor (the rep that got the previous lead), one document (<c>routing_state/round-robin</c>).
/// Every unit of work that assigns, or that leaves a lead waiting, writes it with the version it read: two such
/// units can then never both commit on what they read, which keeps a lead from waiting in the backlog while a rep
/// has room (the write skew of review finding M5).
/// </summary>
public sealed record RoutingState : IDocument
{
    public const string RoundRobinId = "round-robin";

    public string Id { get; init; } = RoundRobinId;
    public string? Cursor { get; init; }
    public long Version { get; init; }
}
