using Crm.Contracts.Audit;

namespace Crm.Gateway.Keys;

/// <summary>
/// The audit trail of key administration: one structured line per change in the logger category <c>Crm.Audit</c>
/// (action, the key's id and name, and who did it: kind, id, name, role), never the key itself or its hash. Route
/// that category to a log store operators keep: it answers "who created this key?" long after request logs are gone.
/// </summary>
public sealed class KeyAudit(ILoggerFactory loggers)
{
    public const string Category = "Crm.Audit";

    private readonly ILogger _log = loggers.CreateLogger(Category);

    /// <summary>Logs that <paramref name="actor"/> did <paramref name="action"/> (created, revoked, rotated) to <paramref name="key"/>.</summary>
    public void Record(string action, StoredApiKey key, Actor actor, string detail = "") =>
        _log.LogInformation(
            "API key {KeyId} ({KeyName}) {Action} by {ActorKind} {ActorId} ({ActorName}, role {ActorRole}){Detail}",
            key.Id,
            key.Name,
            action,
            actor.Kind,
            actor.Id,
            actor.Name,
            actor.Role ?? "none",
            detail);
}
