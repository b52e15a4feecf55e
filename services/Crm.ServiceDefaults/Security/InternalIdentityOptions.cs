using System.Security.Cryptography;

namespace Crm.ServiceDefaults.Security;

/// <summary>
/// The <c>Identity</c> section: how the gateway signs the internal identity it forwards (ES256, a P-256 key) and how
/// services verify it. The gateway holds the private key (<see cref="SigningKeyPem"/> or <see cref="SigningKeyFile"/>,
/// from a Secret); services hold only the public key (<see cref="PublicKeyPem"/> or <see cref="PublicKeyFile"/>), so
/// no service can mint an identity.
/// </summary>
public sealed class InternalIdentityOptions
{
    public const string Section = "Identity";

    public string Issuer { get; set; } = "crm-gateway";

    public string Audience { get; set; } = "crm-services";

    /// <summary>How long a forwarded identity is valid; the gateway reuses one for half of it.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(2);

    public string? PublicKeyPem { get; set; }

    public string? PublicKeyFile { get; set; }

    public string? SigningKeyPem { get; set; }

    public string? SigningKeyFile { get; set; }

    /// <summary>The private key, or null when none is configured (services).</summary>
    public ECDsa? LoadSigningKey() => Load(SigningKeyPem, SigningKeyFile, "SigningKey");

    /// <summary>The public key: configured, or derived from the signing key (the gateway).</summary>
    public ECDsa LoadPublicKey()
    {
        var key = Load(PublicKeyPem, PublicKeyFile, "PublicKey");
        if (key is not null)
        {
            return key;
        }

        using var signing = LoadSigningKey()
            ?? throw new InvalidOperationException($"{Section}:PublicKeyPem or {Section}:PublicKeyFile must name the gateway's public key (PEM): services verify every API request's identity with it.");
        var publicOnly = ECDsa.Create();
        publicOnly.ImportSubjectPublicKeyInfo(signing.ExportSubjectPublicKeyInfo(), out _);
        return publicOnly;
    }

    private static ECDsa? Load(string? pem, string? file, string name)
    {
        if (string.IsNullOrWhiteSpace(pem) && !string.IsNullOrWhiteSpace(file))
        {
            pem = File.ReadAllText(file);
        }

        if (string.IsNullOrWhiteSpace(pem))
        {
            return null;
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (ArgumentException e)
        {
            key.Dispose();
            throw new InvalidOperationException($"{Section}:{name} is not a PEM-encoded EC key: {e.Message}", e);
        }

        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new InvalidOperationException($"{Section}:{name} must be a P-256 key (ES256); it has {key.KeySize} bits.");
        }

        return key;
    }
}
