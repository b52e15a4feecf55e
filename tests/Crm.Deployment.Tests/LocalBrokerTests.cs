using System.Text.RegularExpressions;
using Crm.Testing;
using Xunit;

namespace Crm.Deployment.Tests;

/// <summary>
/// The private RabbitMQ nodes of `./crm` (local runs) and of the test harness listen on loopback only: AMQP, epmd and
/// Erlang distribution, and guest may log in only from loopback (RabbitMQ's default, never lifted).
/// </summary>
public sealed partial class LocalBrokerTests
{
    [Fact]
    public async Task The_local_runner_writes_a_loopback_only_broker_config()
    {
        // Runs the script's own rabbit_config function (not a copy of it) into a temp folder.
        var function = RabbitConfigFunction().Match(await File.ReadAllTextAsync(Repo.PathOf("crm")));
        Assert.True(function.Success, "rabbit_config() { ... } not found in ./crm");
        using var local = new TempDirectory("crm-broker-config");

        var (exitCode, output) = await ProcessHost.RunAsync(
            "bash",
            ["-c", "set -euo pipefail\n" + function.Value + "\nrabbit_config"],
            new Dictionary<string, string?> { ["LOCAL"] = local.Path, ["AMQP_PORT"] = "5999" },
            TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, output);
        AssertLoopbackOnly(
            await File.ReadAllTextAsync(local.Combine("rabbitmq", "rabbitmq.conf")),
            await File.ReadAllTextAsync(local.Combine("rabbitmq", "rabbitmq-env.conf")),
            5999);
    }

    [Fact]
    public void The_test_harness_node_writes_a_loopback_only_broker_config() =>
        AssertLoopbackOnly(RabbitMqNode.Config(23456), RabbitMqNode.EnvironmentConfig, 23456);

    private static void AssertLoopbackOnly(string config, string environment, int port)
    {
        var lines = config.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain("listeners.tcp.default", config, StringComparison.Ordinal);
        Assert.DoesNotMatch("loopback_users\\s*=\\s*none", config);
        Assert.DoesNotMatch("loopback_users\\.guest\\s*=\\s*false", config);
        Assert.Contains($"listeners.tcp.local = 127.0.0.1:{port}", lines);
        Assert.All(lines.Where(l => l.StartsWith("listeners.", StringComparison.Ordinal)), l => Assert.Contains("= 127.0.0.1:", l, StringComparison.Ordinal));

        var variables = environment.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("ERL_EPMD_ADDRESS=127.0.0.1", variables);
        Assert.Contains("SERVER_ADDITIONAL_ERL_ARGS=\"-kernel inet_dist_use_interface {127,0,0,1}\"", variables);
        Assert.Contains("CTL_ERL_ARGS=\"-kernel inet_dist_use_interface {127,0,0,1}\"", variables);
    }

    [GeneratedRegex("^rabbit_config\\(\\) \\{\\n.*?^\\}$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex RabbitConfigFunction();
}
