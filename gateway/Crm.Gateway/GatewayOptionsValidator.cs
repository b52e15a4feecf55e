using System.Globalization;
using Microsoft.Extensions.Options;

namespace Crm.Gateway;

/// <summary>Refuses to start with a configuration that would silently accept or reject the wrong callers.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
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
        }

        if (!(options.RateLimit.PermitsPerSecond > 0) || double.IsInfinity(options.RateLimit.PermitsPerSecond))
        {
            errors.Add("Gateway:RateLimit:PermitsPerSecond must be a positive number.");
        }

        if (options.RateLimit.Burst < 1)
        {
            errors.Add("Gateway:RateLimit:Burst must be at least 1.");
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
