using System.Security.Claims;
using Crm.Contracts.Audit;

namespace Crm.ServiceDefaults.Security;

/// <summary>
/// Who is calling, as the gateway vouches for it in the signed internal identity: an API key (a system) or a
/// person, with the scopes the call may use. Services read it from <see cref="HttpContextIdentity.Caller"/>.
/// </summary>
public sealed record CallerIdentity(string Subject, string Kind, string Name, IReadOnlySet<string> Scopes)
{
    public const string KeyKind = "key";
    public const string PersonKind = "person";

    /// <summary>A person's role (rep, teamlead, manager, admin); null for API keys.</summary>
    public string? Role { get; init; }

    /// <summary>The rep a person acts as, when they are one.</summary>
    public string? RepId { get; init; }

    /// <summary>The team a person belongs to or leads.</summary>
    public string? TeamId { get; init; }

    /// <summary>The id of the API key, for keys kept in the gateway's store (keys from configuration have only their name).</summary>
    public string? KeyId { get; init; }

    /// <summary>
    /// The caller as events and records name who did something: an API key by its id (a configured key by its name),
    /// a person by their subject, with their role.
    /// </summary>
    public Actor ToActor() => new()
    {
        Kind = Kind,
        Id = Kind == KeyKind ? KeyId ?? Subject : Subject,
        Name = Name,
        Role = Kind == PersonKind ? Role : null,
    };

    public bool Can(string service, Access access) => Security.Scopes.Grants(Scopes, service, access);

    /// <summary>
    /// Whether the caller sees everything, whoever owns it: API keys (systems, limited by their scopes only), and
    /// people who are managers or admins.
    /// </summary>
    public bool SeesEverything => Kind == KeyKind || (Kind == PersonKind && PersonRoles.SeesEverything(Role));

    /// <summary>
    /// The ownership rule (object-level access): whether the caller may see a record owned by the rep
    /// <paramref name="ownerRepId"/> of the team <paramref name="ownerTeamId"/>. Everybody in
    /// <see cref="SeesEverything"/> does; a rep only what they own; a team lead what their team owns (and what they own
    /// themselves as a rep); anybody else nothing. A record the caller may not see is answered 404, never 403, so its
    /// existence is not revealed.
    /// </summary>
    public bool Sees(string? ownerRepId, string? ownerTeamId)
    {
        if (SeesEverything)
        {
            return true;
        }

        if (Kind != PersonKind)
        {
            return false;
        }

        var ownsIt = !string.IsNullOrEmpty(RepId) && string.Equals(RepId, ownerRepId, StringComparison.Ordinal);
        return Role switch
        {
            PersonRoles.Rep => ownsIt,
            PersonRoles.TeamLead => ownsIt || (!string.IsNullOrEmpty(TeamId) && string.Equals(TeamId, ownerTeamId, StringComparison.Ordinal)),
            _ => false,
        };
    }

    /// <summary>Whether the caller sees a record with several owners (e.g. a contact with leads of several reps): any one suffices.</summary>
    public bool SeesAny(IEnumerable<(string? RepId, string? TeamId)> owners) =>
        SeesEverything || owners.Any(o => Sees(o.RepId, o.TeamId));

    internal static class Claims
    {
        public const string Subject = "sub";
        public const string Name = "name";
        public const string Kind = "kind";
        public const string Scope = "scope";
        public const string Role = "role";
        public const string Rep = "rep";
        public const string Team = "team";
        public const string Key = "key";
    }

    internal IDictionary<string, object> ToClaims()
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [Claims.Subject] = Subject,
            [Claims.Name] = Name,
            [Claims.Kind] = Kind,
            [Claims.Scope] = string.Join(' ', Scopes.Order(StringComparer.Ordinal)),
        };
        if (Role is not null)
        {
            claims[Claims.Role] = Role;
        }

        if (RepId is not null)
        {
            claims[Claims.Rep] = RepId;
        }

        if (TeamId is not null)
        {
            claims[Claims.Team] = TeamId;
        }

        if (KeyId is not null)
        {
            claims[Claims.Key] = KeyId;
        }

        return claims;
    }

    internal static CallerIdentity? FromClaims(IReadOnlyDictionary<string, object> claims)
    {
        string? Text(string name) => claims.TryGetValue(name, out var value) ? value as string : null;
        var subject = Text(Claims.Subject);
        var kind = Text(Claims.Kind);
        if (string.IsNullOrEmpty(subject) || kind is not (KeyKind or PersonKind))
        {
            return null;
        }

        var scopes = (Text(Claims.Scope) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return new CallerIdentity(subject, kind, Text(Claims.Name) ?? subject, scopes)
        {
            Role = Text(Claims.Role),
            RepId = Text(Claims.Rep),
            TeamId = Text(Claims.Team),
            KeyId = Text(Claims.Key),
        };
    }

    internal ClaimsPrincipal ToPrincipal(string scheme)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, Subject), new Claim(ClaimTypes.Name, Name)],
            scheme);
        var principal = new ClaimsPrincipal(identity);
        return principal;
    }
}
