using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Crm.Testing;

/// <summary>
/// A stand-in OIDC provider for tests: a P-256 key pair (the gateway is given <see cref="PublicKeyPem"/> as
/// <c>Gateway:People:SigningKeysPem</c>) and people's tokens signed with it, issued by <see cref="Issuer"/> for
/// <see cref="Audience"/>, or deliberately wrong in one respect.
/// </summary>
public sealed class TestPeople : IDisposable
{
    public const string Issuer = "https://login.test/crm";
    public const string Audience = "crm";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The gateway settings that make it trust this provider.</summary>
    public IReadOnlyDictionary<string, string?> GatewaySettings => new Dictionary<string, string?>
    {
        ["Gateway:People:Issuer"] = Issuer,
        ["Gateway:People:Audience"] = Audience,
        ["Gateway:People:SigningKeysPem"] = PublicKeyPem,
    };

    /// <summary>A token of <paramref name="role"/> (claims <c>role</c>, <c>rep</c>, <c>team</c> when given).</summary>
    public string Token(
        string? role,
        string? rep = null,
        string? team = null,
        string subject = "person-1",
        string? name = null,
        string issuer = Issuer,
        string audience = Audience,
        DateTimeOffset? expires = null,
        ECDsa? signWith = null)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { ["sub"] = subject };
        if (role is not null)
        {
            claims["role"] = role;
        }

        if (rep is not null)
        {
            claims["rep"] = rep;
        }

        if (team is not null)
        {
            claims["team"] = team;
        }

        if (name is not null)
        {
            claims["name"] = name;
        }

        var until = expires ?? DateTimeOffset.UtcNow.AddMinutes(10);
        var notBefore = until.AddMinutes(-20) < DateTimeOffset.UtcNow.AddMinutes(-5) ? until.AddMinutes(-20) : DateTimeOffset.UtcNow.AddMinutes(-5);
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore.UtcDateTime,
            NotBefore = notBefore.UtcDateTime,
            Expires = until.UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(
                new ECDsaSecurityKey(signWith ?? _key) { CryptoProviderFactory = new CryptoProviderFactory() },
                SecurityAlgorithms.EcdsaSha256),
        });
    }

    public void Dispose() => _key.Dispose();
}
