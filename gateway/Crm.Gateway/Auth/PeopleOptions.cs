using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Crm.Gateway.Auth;

/// <summary>
/// The <c>Gateway:People</c> section: which JWT bearer tokens of people the gateway accepts, from any OIDC provider.
/// Tokens must come from <see cref="Issuer"/> for <see cref="Audience"/>, signed by a key of the provider: found by
/// OIDC discovery at <see cref="Authority"/> (its JWKS), or given as PEM public keys (<see cref="SigningKeysPem"/> or
/// <see cref="SigningKeyFile"/>) for local and development issuers. Without an <see cref="Issuer"/> people's tokens
/// are not accepted at all (only API keys).
/// </summary>
public sealed class PeopleOptions
{
    public const string Section = "Gateway:People";

    /// <summary>The <c>iss</c> every token must carry, e.g. <c>https://login.example.com/realms/crm</c>; empty disables people.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every token must carry (the client id the provider issues CRM tokens for).</summary>
    public string? Audience { get; set; }

    /// <summary>The provider's base URL: keys come from its <c>/.well-known/openid-configuration</c> and JWKS (refreshed).</summary>
    public string? Authority { get; set; }

    /// <summary>Discovery over HTTPS only (default); false only for a provider on a developer's machine.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>One or more PEM public keys (EC or RSA; concatenated) that may sign people's tokens.</summary>
    public string? SigningKeysPem { get; set; }

    /// <summary>A file holding <see cref="SigningKeysPem"/> (e.g. a mounted Secret).</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>The claim naming the person's role: rep, teamlead, manager or admin.</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>The claim naming the rep (Assignment's rep id) a person acts as; required for reps.</summary>
    public string RepClaim { get; set; } = "rep";

    /// <summary>The claim naming the person's team; required for team leads.</summary>
    public string TeamClaim { get; set; } = "team";

    /// <summary>Tolerated clock difference between the provider and the gateway.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(Issuer);

    /// <summary>The configured PEM keys (none when keys come from <see cref="Authority"/>).</summary>
    public IReadOnlyList<SecurityKey> LoadSigningKeys()
    {
        var pem = SigningKeysPem;
        if (string.IsNullOrWhiteSpace(pem) && !string.IsNullOrWhiteSpace(SigningKeyFile))
        {
            pem = File.ReadAllText(SigningKeyFile);
        }

        if (string.IsNullOrWhiteSpace(pem))
        {
            return [];
        }

        var keys = new List<SecurityKey>();
        foreach (var block in pem.Split("-----BEGIN ", StringSplitOptions.RemoveEmptyEntries).Where(b => b.Contains("-----END ", StringComparison.Ordinal)))
        {
            var text = "-----BEGIN " + block;
            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(text);
                keys.Add(new ECDsaSecurityKey(ec) { CryptoProviderFactory = new CryptoProviderFactory() });
                continue;
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                ec.Dispose();
            }

            var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(text);
                keys.Add(new RsaSecurityKey(rsa) { CryptoProviderFactory = new CryptoProviderFactory() });
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                rsa.Dispose();
                throw new InvalidOperationException($"{Section}:SigningKeysPem holds a PEM block that is neither an EC nor an RSA public key: {e.Message}", e);
            }
        }

        return keys.Count > 0
            ? keys
            : throw new InvalidOperationException($"{Section}:SigningKeysPem (or the file SigningKeyFile) holds no PEM public key.");
    }
}

/// <summary>Refuses to start with people enabled but no way to verify their tokens.</summary>
public sealed class PeopleOptionsValidator : IValidateOptions<PeopleOptions>
{
    public ValidateOptionsResult Validate(string? name, PeopleOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add($"{PeopleOptions.Section}:Audience is required with an Issuer: tokens meant for another application must not be accepted.");
        }

        var sources = new[] { options.Authority, options.SigningKeysPem, options.SigningKeyFile }.Count(s => !string.IsNullOrWhiteSpace(s));
        if (sources != 1)
        {
            errors.Add($"{PeopleOptions.Section} needs exactly one source of signing keys: Authority (OIDC discovery), SigningKeysPem or SigningKeyFile.");
        }
        else if (!string.IsNullOrWhiteSpace(options.Authority) && !Uri.IsWellFormedUriString(options.Authority, UriKind.Absolute))
        {
            errors.Add($"{PeopleOptions.Section}:Authority must be an absolute URL.");
        }
        else if (string.IsNullOrWhiteSpace(options.Authority))
        {
            try
            {
                options.LoadSigningKeys();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                errors.Add(e.Message);
            }
        }

        foreach (var (claim, value) in new[] { ("RoleClaim", options.RoleClaim), ("RepClaim", options.RepClaim), ("TeamClaim", options.TeamClaim) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{PeopleOptions.Section}:{claim} must name a claim.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
