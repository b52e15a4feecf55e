using System.Net.Http.Headers;
using System.Security.Cryptography;
using Crm.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Crm.Testing;

/// <summary>
/// A gateway signing key for tests (one P-256 pair per test process) and identities signed with it, as the gateway
/// would forward them. Services under test are configured with <see cref="PublicKeyPem"/>.
/// </summary>
public static class TestIdentity
{
    private static readonly Lazy<(string Private, string Public)> Keys = new(() =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKeyPem(), key.ExportSubjectPublicKeyInfoPem());
    });

    private static readonly Lazy<InternalIdentityIssuer> Issuer = new(() => new InternalIdentityIssuer(
        Options.Create(new InternalIdentityOptions { SigningKeyPem = SigningKeyPem, Lifetime = TimeSpan.FromHours(1) }),
        TimeProvider.System));

    public static string SigningKeyPem => Keys.Value.Private;

    public static string PublicKeyPem => Keys.Value.Public;

    /// <summary>An API key's identity with every admin scope (what existing API tests act as).</summary>
    public static CallerIdentity Admin { get; } = Key("test-admin", [.. Scopes.AllAdmin]);

    public static CallerIdentity Key(string name, params string[] scopes) =>
        new(name, CallerIdentity.KeyKind, name, scopes.ToHashSet(StringComparer.Ordinal));

    /// <summary>
    /// A person's identity as the gateway forwards it: role <paramref name="role"/> (rep, teamlead, manager, admin) with
    /// that role's scopes (<see cref="PersonRoles"/>), acting as rep <paramref name="rep"/> of team <paramref name="team"/>.
    /// </summary>
    public static CallerIdentity Person(string role, string? rep = null, string? team = null, string? subject = null)
    {
        var sub = subject ?? $"{role}-{rep ?? team ?? "x"}";
        var scopes = PersonRoles.ScopesOf(role) ?? new HashSet<string>(StringComparer.Ordinal);
        return new CallerIdentity(sub, CallerIdentity.PersonKind, sub, scopes) { Role = role, RepId = rep, TeamId = team };
    }

    public static string TokenFor(CallerIdentity caller) => Issuer.Value.TokenFor(caller);

    /// <summary>The client calls as <paramref name="caller"/> (null: without any identity).</summary>
    public static HttpClient As(this HttpClient client, CallerIdentity? caller)
    {
        client.DefaultRequestHeaders.Authorization = caller is null ? null : new AuthenticationHeaderValue("Bearer", TokenFor(caller));
        return client;
    }
}
