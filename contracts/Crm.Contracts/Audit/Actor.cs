namespace Crm.Contracts.Audit;

/// <summary>
/// Who did something: an API key (a system), a person signed in at the company's identity provider, or the platform
/// by itself. Events and records carry it where it matters (who captured a lead, who created or changed a rep, who
/// created, revoked or rotated an API key).
/// </summary>
public sealed record Actor
{
    /// <summary>An API key (a system that integrates through the gateway).</summary>
    public const string KeyKind = "key";

    /// <summary>A person (a JWT from the identity provider).</summary>
    public const string PersonKind = "person";

    /// <summary>The platform, acting by itself (automatic assignment, timers).</summary>
    public const string SystemKind = "system";

    /// <summary>The platform acting by itself, e.g. when Assignment gives a lead to a rep.</summary>
    public static Actor System { get; } = new() { Kind = SystemKind, Id = "crm", Name = "CRM platform" };

    /// <summary><c>key</c>, <c>person</c> or <c>system</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The API key's id (a configured key's name, which is its only id), the person's subject (<c>sub</c>), or <c>crm</c> for the platform.</summary>
    public required string Id { get; init; }

    /// <summary>The API key's name or the person's display name.</summary>
    public required string Name { get; init; }

    /// <summary>A person's role (rep, teamlead, manager, admin); null for API keys and the platform.</summary>
    public string? Role { get; init; }
}
