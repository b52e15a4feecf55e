using System.Globalization;
using Crm.Gateway.Auth;
using Crm.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Crm.Gateway;

/// <summary>Refuses to start with a configuration that would silently accept or reject the wrong callers.</summary>
public sealed class GatewayOptionsValidator(IHostEnvironment environment) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        var developmentKeyHash = ApiKeyRegistry.Sha256Hex(GatewayService.DevelopmentKey);
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"Gateway:ApiKeys:{i}");
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                errors.Add($"{at}:Name is required (it names the caller and its rate limit).");
            }

            var hasKey = !string.IsNullOrEmpty(key.Key);
            var hasHash = !string.IsNullOrEmpty(key.KeySha256);
            if (hasKey == hasHash)
            {
                errors.Add($"{at} needs exactly one of Key or KeySha256 (set the other to an empty string to clear it).");
            }
            else if (hasHash && !IsSha256Hex(key.KeySha256!.Trim()))
            {
                errors.Add($"{at}:KeySha256 must be 64 hex digits (the SHA-256 of the key's UTF-8 bytes).");
            }

            if (key.Scopes.Count == 0)
            {
                errors.Add($"{at}:Scopes is required: name what the key may do, e.g. [\"leads:write\"] (scopes are <service>:read|write|admin).");
            }

            foreach (var scope in key.Scopes.Where(s => !Scopes.IsKnown(s)))
            {
                errors.Add($"{at}:Scopes has the unknown scope '{scope}'; known: {string.Join(", ", Scopes.All.Order(StringComparer.Ordinal))}.");
            }

            var isDevelopmentKey = hasKey
                ? key.Key == GatewayService.DevelopmentKey
                : string.Equals(key.KeySha256?.Trim(), developmentKeyHash, StringComparison.OrdinalIgnoreCase);
            if (isDevelopmentKey && !environment.IsDevelopment() && !options.AllowPublicDevelopmentKey)
            {
                errors.Add($"{at} is the public development key '{GatewayService.DevelopmentKey}', refused in environment {environment.EnvironmentName}: override Gateway:ApiKeys:{i} (or remove it), or set Gateway:AllowPublicDevelopmentKey=true on a machine nobody else can reach.");
            }
        }

        var bootstrapIsDevelopmentKey = options.BootstrapAdminKey == GatewayService.DevelopmentKey
            || string.Equals(options.BootstrapAdminKeySha256?.Trim(), developmentKeyHash, StringComparison.OrdinalIgnoreCase);
        if (bootstrapIsDevelopmentKey && !environment.IsDevelopment() && !options.AllowPublicDevelopmentKey)
        {
            errors.Add($"Gateway:BootstrapAdminKey is the public development key '{GatewayService.DevelopmentKey}', refused in environment {environment.EnvironmentName} unless Gateway:AllowPublicDevelopmentKey=true.");
        }

        if (options.ApiKeys.Count == 0 && string.IsNullOrEmpty(options.BootstrapAdminKey) && string.IsNullOrEmpty(options.BootstrapAdminKeySha256))
        {
            errors.Add("Gateway: no API key is configured, so nothing could call the API: set Gateway:BootstrapAdminKey (or BootstrapAdminKeySha256) from a Secret, or Gateway:ApiKeys.");
        }

        if (!string.IsNullOrEmpty(options.BootstrapAdminKey) && !string.IsNullOrEmpty(options.BootstrapAdminKeySha256))
        {
            errors.Add("Gateway: give BootstrapAdminKey or BootstrapAdminKeySha256, not both.");
        }
        else if (!string.IsNullOrEmpty(options.BootstrapAdminKeySha256) && !IsSha256Hex(options.BootstrapAdminKeySha256.Trim()))
        {
            errors.Add("Gateway:BootstrapAdminKeySha256 must be 64 hex digits (the SHA-256 of the key's UTF-8 bytes).");
        }
        else if (options.BootstrapAdminKey is { Length: > 0 and < 24 } && !bootstrapIsDevelopmentKey)
        {
            errors.Add("Gateway:BootstrapAdminKey must be at least 24 characters (e.g. openssl rand -base64 32): it can do everything.");
        }

        if (!(options.RateLimit.PermitsPerSecond > 0) || double.IsInfinity(options.RateLimit.PermitsPerSecond))
        {
            errors.Add("Gateway:RateLimit:PermitsPerSecond must be a positive number.");
        }

        if (options.RateLimit.Burst < 1)
        {
            errors.Add("Gateway:RateLimit:Burst must be at least 1.");
        }

        if (options.FailedAuth.MaxFailures < 1 || options.FailedAuth.Window <= TimeSpan.Zero)
        {
            errors.Add("Gateway:FailedAuth:MaxFailures must be at least 1 and Gateway:FailedAuth:Window positive.");
        }

        foreach (var (path, limit) in options.UploadLimits)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || limit < 0)
            {
                errors.Add($"Gateway:UploadLimits:{path} must be a path under /api/ with a limit that is not negative.");
            }
        }

        if (options.MaxRequestBodyBytes < 0)
        {
            errors.Add("Gateway:MaxRequestBodyBytes must not be negative.");
        }

        foreach (var (backend, value) in options.Backends)
        {
            if (value.Health is { IsAbsoluteUri: false })
            {
                errors.Add($"Gateway:Backends:{backend}:Health must be an absolute URL.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsSha256Hex(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigit);
}
