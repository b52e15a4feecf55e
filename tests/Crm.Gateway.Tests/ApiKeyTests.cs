using Crm.Gateway.Auth;
using Crm.Gateway.Limits;
using Crm.ServiceDefaults.Security;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>Key matching, configuration validation and bucket arithmetic, without HTTP.</summary>
public sealed class ApiKeyTests
{
    private static ApiKeyRegistry Registry(params ApiKeyOptions[] keys) =>
        new(Options.Create(new GatewayOptions { ApiKeys = [.. keys] }));

    private static GatewayOptionsValidator Validator(string environment = "Production") =>
        new(new HostingEnvironment { EnvironmentName = environment });

    [Fact]
    public void A_key_carries_its_scopes_into_the_identity_the_gateway_forwards()
    {
        var registry = Registry(new ApiKeyOptions { Name = "shop", Key = "k-1", Scopes = ["leads:write", "contacts:read"] });

        var caller = registry.Match("k-1")!.Caller;

        Assert.Equal("shop", caller.Subject);
        Assert.Equal(CallerIdentity.KeyKind, caller.Kind);
        Assert.True(caller.Can("leads", Access.Write));
        Assert.False(caller.Can("leads", Access.Read));
        Assert.True(caller.Can("contacts", Access.Read));
        Assert.False(caller.Can("assignment", Access.Read));
    }

    [Fact]
    public void The_bootstrap_admin_key_holds_every_admin_scope()
    {
        var registry = new ApiKeyRegistry(Options.Create(new GatewayOptions { BootstrapAdminKey = "a-long-enough-bootstrap-admin-key" }));

        var key = registry.Match("a-long-enough-bootstrap-admin-key");

        Assert.Equal(ApiKeyRegistry.BootstrapAdminName, key?.Name);
        Assert.All(Scopes.Services, service => Assert.True(key!.Caller.Can(service, Access.Admin)));
    }

    [Theory]
    [InlineData(new string[0], "Scopes is required")]
    [InlineData(new[] { "leads:write", "leads:capture" }, "unknown scope 'leads:capture'")]
    [InlineData(new[] { "crm:read" }, "unknown scope 'crm:read'")]
    public void A_key_without_scopes_or_with_an_unknown_one_stops_the_gateway(string[] scopes, string error)
    {
        var options = new GatewayOptions { ApiKeys = [new ApiKeyOptions { Name = "shop", Key = "k", Scopes = [.. scopes] }] };

        var result = Validator().Validate(null, options);

        Assert.False(result.Succeeded);
        Assert.Contains(error, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production", false, false)]
    [InlineData("Testing", false, false)]
    [InlineData("Production", true, true)]
    [InlineData("Development", false, true)]
    public void The_public_development_key_is_refused_outside_development_unless_explicitly_allowed(string environment, bool allowed, bool valid)
    {
        foreach (var key in new[]
                 {
                     new ApiKeyOptions { Name = "dev", Key = GatewayService.DevelopmentKey, Scopes = ["leads:read"] },
                     new ApiKeyOptions { Name = "dev", KeySha256 = ApiKeyRegistry.Sha256Hex(GatewayService.DevelopmentKey).ToUpperInvariant(), Scopes = ["leads:read"] },
                 })
        {
            var options = new GatewayOptions { ApiKeys = [key], AllowPublicDevelopmentKey = allowed };

            var result = Validator(environment).Validate(null, options);

            Assert.Equal(valid, result.Succeeded);
            if (!valid)
            {
                Assert.Contains("public development key", result.FailureMessage, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_gateway_without_any_key_does_not_start()
    {
        var result = Validator().Validate(null, new GatewayOptions());

        Assert.Contains("no API key is configured", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short", null, false)]
    [InlineData("a-long-enough-bootstrap-admin-key", null, true)]
    [InlineData(null, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", true)]
    [InlineData(null, "not-hex", false)]
    [InlineData("a-long-enough-bootstrap-admin-key", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", false)]
    public void The_bootstrap_admin_key_is_long_or_hashed_never_both(string? key, string? hash, bool valid)
    {
        var options = new GatewayOptions { BootstrapAdminKey = key, BootstrapAdminKeySha256 = hash };

        Assert.Equal(valid, Validator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_plain_key_and_a_hashed_key_both_match_by_name()
    {
        var registry = Registry(
            new ApiKeyOptions { Name = "shop", Key = "k-1" },
            new ApiKeyOptions { Name = "pos", KeySha256 = ApiKeyRegistry.Sha256Hex("k-2").ToUpperInvariant() });

        Assert.Equal("shop", registry.Match("k-1")?.Name);
        Assert.Equal("pos", registry.Match("k-2")?.Name);
        Assert.Null(registry.Match("k-3"));
        Assert.Null(registry.Match("K-1"));
        Assert.Null(registry.Match(""));
    }

    [Fact]
    public void The_sha256_form_is_the_well_known_digest()
    {
        // printf %s abc | sha256sum
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeyRegistry.Sha256Hex("abc"));
    }

    [Fact]
    public void Two_keys_with_one_name_share_it_for_rotation()
    {
        var registry = Registry(new ApiKeyOptions { Name = "shop", Key = "old" }, new ApiKeyOptions { Name = "shop", Key = "new" });

        Assert.Equal("shop", registry.Match("old")?.Name);
        Assert.Equal("shop", registry.Match("new")?.Name);
    }

    [Theory]
    [InlineData("shop", "k", null, true)]
    [InlineData("shop", null, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", true)]
    [InlineData("shop", "k", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", false)]
    [InlineData("shop", null, null, false)]
    [InlineData("shop", "", "", false)]
    [InlineData("", "k", null, false)]
    [InlineData("shop", null, "not-hex", false)]
    [InlineData("shop", null, "ba7816bf", false)]
    public void Each_key_needs_a_name_and_exactly_one_of_key_or_hash(string name, string? key, string? hash, bool valid)
    {
        var options = new GatewayOptions { ApiKeys = [new ApiKeyOptions { Name = name, Key = key, KeySha256 = hash, Scopes = ["leads:write"] }] };

        var result = Validator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
    }

    [Theory]
    [InlineData(0, 100, 1024, false)]
    [InlineData(-1, 100, 1024, false)]
    [InlineData(50, 0, 1024, false)]
    [InlineData(50, 100, -1, false)]
    [InlineData(0.5, 1, 0, true)]
    public void Limits_must_make_sense(double perSecond, int burst, long maxBody, bool valid)
    {
        var options = new GatewayOptions
        {
            BootstrapAdminKeySha256 = ApiKeyRegistry.Sha256Hex("a-long-enough-bootstrap-admin-key"),
            RateLimit = new RateLimitOptions { PermitsPerSecond = perSecond, Burst = burst },
            MaxRequestBodyBytes = maxBody,
        };

        Assert.Equal(valid, Validator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void The_defaults_are_100_per_second_with_a_burst_of_500_and_1_mib_bodies()
    {
        var options = new GatewayOptions();
        var bucket = KeyRateLimiting.Bucket(options.RateLimit);

        Assert.Equal(500, bucket.TokenLimit);
        Assert.Equal(100, bucket.TokensPerPeriod);
        Assert.Equal(TimeSpan.FromSeconds(1), bucket.ReplenishmentPeriod);
        Assert.Equal(0, bucket.QueueLimit);
        Assert.Equal(1024 * 1024, options.MaxRequestBodyBytes);
    }

    [Fact]
    public void A_rate_below_one_per_second_refills_one_token_per_interval()
    {
        var bucket = KeyRateLimiting.Bucket(new RateLimitOptions { PermitsPerSecond = 0.25, Burst = 3 });

        Assert.Equal(1, bucket.TokensPerPeriod);
        Assert.Equal(TimeSpan.FromSeconds(4), bucket.ReplenishmentPeriod);
        Assert.Equal(3, bucket.TokenLimit);
    }
}
