namespace Crm.Gateway;

/// <summary>The <c>Gateway</c> configuration section (routes and clusters live in <c>ReverseProxy</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>API keys accepted as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>
    /// The bootstrap administrator key (from a Secret or environment variable): named <c>bootstrap-admin</c>, holding
    /// every admin scope. Give either the key or its SHA-256 (<see cref="BootstrapAdminKeySha256"/>).
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>SHA-256 of the bootstrap administrator key as 64 hex digits.</summary>
    public string? BootstrapAdminKeySha256 { get; set; }

    /// <summary>
    /// The public development key (<c>crm-dev-key</c>) is refused outside the Development environment unless this is
    /// true (docker-compose and the dev-infra chart, which are for local use only, set it).
    /// </summary>
    public bool AllowPublicDevelopmentKey { get; set; }

    public RateLimitOptions RateLimit { get; set; } = new();

    public FailedAuthOptions FailedAuth { get; set; } = new();

    /// <summary>How long a replica trusts what the store said about a key (a revocation takes at most this long).</summary>
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest request body forwarded to a service; larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Paths (exact, any case) that take larger bodies than <see cref="MaxRequestBodyBytes"/>, with their own limit: file
    /// uploads the service streams (Contacts' CSV import, whose own limit is <c>Contacts:ImportMaxBytes</c>).
    /// </summary>
    public Dictionary<string, long> UploadLimits { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/api/contacts/imports"] = 1024L * 1024 * 1024,
    };

    /// <summary>Backends whose readiness the gateway reports on its own <c>/health/ready</c>, by cluster name.</summary>
    public Dictionary<string, BackendOptions> Backends { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One API key: a name (who calls; the rate limit is per name), either the key or its SHA-256, and its scopes.</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";

    /// <summary>What the key may do: <c>&lt;service&gt;:read|write|admin</c>, e.g. <c>leads:write</c> (at least one).</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>The key in clear text (hashed at startup, never kept).</summary>
    public string? Key { get; set; }

    /// <summary>The SHA-256 of the key's UTF-8 bytes as 64 hex digits, so no plain key sits in configuration.</summary>
    public string? KeySha256 { get; set; }

    /// <summary>Free text for people reading the configuration.</summary>
    public string? Note { get; set; }
}

/// <summary>Token bucket per API key name (the default of keys without their own).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained requests per second per key; below 1 means one request every 1/x seconds.</summary>
    public double PermitsPerSecond { get; set; } = 100;

    /// <summary>Bucket size: requests a key may send at once after being idle.</summary>
    public int Burst { get; set; } = 500;

    private Formatted? _burstText;

    /// <summary><see cref="Burst"/> as the <c>RateLimit-Limit</c> header's value, formatted once (it is sent on every request).</summary>
    internal string BurstText
    {
        get
        {
            var burst = Burst;
            if (_burstText is not { } formatted || formatted.Burst != burst)
            {
                formatted = new Formatted(burst, burst.ToString(System.Globalization.CultureInfo.InvariantCulture));
                _burstText = formatted;
            }

            return formatted.Text;
        }
    }

    private sealed record Formatted(int Burst, string Text);
}

/// <summary>Failed authentications per client address: after <see cref="MaxFailures"/> in <see cref="Window"/>, 429 until it ends.</summary>
public sealed class FailedAuthOptions
{
    public int MaxFailures { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>A backend service seen from the gateway.</summary>
public sealed class BackendOptions
{
    /// <summary>The service's readiness URL on its management port, e.g. <c>http://leads:8090/health/ready</c>.</summary>
    public Uri? Health { get; set; }

    /// <summary>When true a failing backend makes the gateway unready (503); by default it only reports Degraded.</summary>
    public bool Required { get; set; }
}
