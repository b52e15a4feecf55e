namespace Crm.ServiceDefaults.Security;

/// <summary>
/// The roles of people (JWT bearer tokens from the OIDC provider) and the scopes each role holds: the one table the
/// gateway derives a person's scopes from. What a person may then see within those scopes is the services' own rule
/// (<see cref="CallerIdentity.Sees(string?, string?)"/>: a rep only what they own, a team lead their team's).
/// <code>
/// role      scopes
/// rep       leads:read leads:write contacts:read messaging:read messaging:write (their own contacts and conversations) assignment:read assignment:write (their own presence)
/// teamlead  the rep's + analytics:read
/// manager   &lt;service&gt;:read and &lt;service&gt;:write of every service (no admin scope)
/// admin     &lt;service&gt;:admin of every service (API keys, reps, teams, configuration)
/// </code>
/// </summary>
public static class PersonRoles
{
    public const string Rep = "rep";
    public const string TeamLead = "teamlead";
    public const string Manager = "manager";
    public const string Admin = "admin";

    private static readonly string[] RepScopes = ["leads:read", "leads:write", "contacts:read", "messaging:read", "messaging:write", "assignment:read", "assignment:write"];

    /// <summary>Role to scopes (see the table above).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> ScopesByRole = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
    {
        [Rep] = RepScopes.ToHashSet(StringComparer.Ordinal),
        [TeamLead] = RepScopes.Append("analytics:read").ToHashSet(StringComparer.Ordinal),
        [Manager] = Scopes.Services.SelectMany(s => new[] { Scopes.Of(s, Access.Read), Scopes.Of(s, Access.Write) }).ToHashSet(StringComparer.Ordinal),
        [Admin] = Scopes.AllAdmin.ToHashSet(StringComparer.Ordinal),
    };

    /// <summary>Every known role.</summary>
    public static IEnumerable<string> All => ScopesByRole.Keys;

    /// <summary>The scopes of <paramref name="role"/>, or null when the role is unknown.</summary>
    public static IReadOnlySet<string>? ScopesOf(string? role) =>
        role is not null && ScopesByRole.TryGetValue(role, out var scopes) ? scopes : null;

    /// <summary>Whether a person of <paramref name="role"/> sees every record, whoever owns it.</summary>
    public static bool SeesEverything(string? role) => role is Manager or Admin;
}
