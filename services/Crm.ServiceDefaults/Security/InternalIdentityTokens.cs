using System.Security.Cryptography;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Crm.ServiceDefaults.Security;

/// <summary>
/// Mints the signed internal identity (an ES256 JWT) the gateway forwards as <c>Authorization: Bearer</c>. One token
/// per caller is reused for half its lifetime, so signing costs nothing per request.
/// </summary>
public sealed class InternalIdentityIssuer : IDisposable
{
    private const int MaxCached = 10_000;
    private readonly InternalIdentityOptions _options;
    private readonly TimeProvider _time;
    private readonly ECDsa _key;
    private readonly SigningCredentials _credentials;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly ConcurrentDictionary<CallerIdentity, (string Token, DateTimeOffset RenewAt)> _cache = new(new IdentityComparer());

    public InternalIdentityIssuer(IOptions<InternalIdentityOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _key = _options.LoadSigningKey()
            ?? throw new InvalidOperationException($"{InternalIdentityOptions.Section}:SigningKeyPem or {InternalIdentityOptions.Section}:SigningKeyFile must hold the gateway's P-256 private key (PEM).");
        // Its own provider cache: the shared default one would keep signing with a disposed key of an earlier instance.
        _credentials = new SigningCredentials(new ECDsaSecurityKey(_key) { CryptoProviderFactory = new CryptoProviderFactory() }, SecurityAlgorithms.EcdsaSha256);
    }

    public string TokenFor(CallerIdentity caller)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(caller, out var cached) && now < cached.RenewAt)
        {
            return cached.Token;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + _options.Lifetime).UtcDateTime,
            Claims = caller.ToClaims(),
            SigningCredentials = _credentials,
        });
        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[caller] = (token, now + (_options.Lifetime / 2));
        return token;
    }

    public void Dispose() => _key.Dispose();

    /// <summary>Records compare sets by reference: two identities are the same when every field and scope is.</summary>
    private sealed class IdentityComparer : IEqualityComparer<CallerIdentity>
    {
        public bool Equals(CallerIdentity? x, CallerIdentity? y) =>
            ReferenceEquals(x, y)
            || (x is not null && y is not null
                && x.Subject == y.Subject && x.Kind == y.Kind && x.Name == y.Name
                && x.Role == y.Role && x.RepId == y.RepId && x.TeamId == y.TeamId && x.KeyId == y.KeyId
                && x.Scopes.SetEquals(y.Scopes));

        public int GetHashCode(CallerIdentity obj) => HashCode.Combine(obj.Subject, obj.Kind, obj.Role, obj.RepId, obj.Scopes.Count);
    }
}

/// <summary>
/// Verifies the gateway's signed identity: signature (ES256 with the gateway's public key only), issuer, audience
/// and lifetime. A verified token is remembered until it expires, so each distinct token is checked once.
/// </summary>
public sealed class InternalIdentityValidator : IDisposable
{
    private const int MaxCached = 10_000;
    private readonly TimeProvider _time;
    private readonly ECDsa _key;
    private readonly TokenValidationParameters _parameters;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ConcurrentDictionary<string, (CallerIdentity Caller, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public InternalIdentityValidator(IOptions<InternalIdentityOptions> options, TimeProvider time)
    {
        var o = options.Value;
        _time = time;
        _key = o.LoadPublicKey();
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = o.Issuer,
            ValidAudience = o.Audience,
            IssuerSigningKey = new ECDsaSecurityKey(_key) { CryptoProviderFactory = new CryptoProviderFactory() },
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The caller the token vouches for, or null with the reason when it is not a valid identity.</summary>
    public async ValueTask<(CallerIdentity? Caller, string? Error)> ValidateAsync(string token)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(token, out var cached))
        {
            if (now < cached.Expires)
            {
                return (cached.Caller, null);
            }

            _cache.TryRemove(token, out _);
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (!result.IsValid)
        {
            return (null, result.Exception?.Message ?? "The identity token is not valid.");
        }

        var caller = CallerIdentity.FromClaims(result.Claims.AsReadOnly());
        if (caller is null)
        {
            return (null, "The identity token names no caller.");
        }

        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[token] = (caller, new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero));
        return (caller, null);
    }

    public void Dispose() => _key.Dispose();
}
