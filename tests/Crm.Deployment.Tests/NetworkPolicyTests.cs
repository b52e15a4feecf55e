using System.Text.Json.Nodes;
using Xunit;

namespace Crm.Deployment.Tests;

/// <summary>
/// The library chart's NetworkPolicy (helm cannot run here, so its template is read): the management port (health,
/// metrics, /admin) admits only the gateway's pods and the configured managementFrom peers, never every pod.
/// </summary>
public sealed class NetworkPolicyTests
{
    private static readonly string Template = File.ReadAllText(Repo.PathOf("charts", "crm-lib", "templates", "_networkpolicy.tpl"));

    private static string Definition => Template[Template.IndexOf("{{- define \"crm-lib.networkPolicy\"", StringComparison.Ordinal)..];

    [Fact]
    public void No_rule_admits_every_pod_of_the_namespace()
    {
        // An empty podSelector in a peer selects every pod of the namespace.
        Assert.DoesNotContain("podSelector: {}", Definition, StringComparison.Ordinal);
        Assert.DoesNotMatch("podSelector:\\s*\\{\\s*\\}", Definition);
    }

    [Fact]
    public void The_management_port_admits_only_the_gateway_pods_and_the_managementFrom_peers()
    {
        var rule = ManagementRule();
        var directives = rule.Where(l => l.Contains("{{", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        var yaml = Repo.LoadYamlText(string.Join('\n', rule.Where(l => !l.Contains("{{", StringComparison.Ordinal)))).Single()!;

        var entry = yaml.AsArray().Single()!;
        var from = entry["from"]!.AsArray();
        var peer = Assert.Single(from)!.AsObject();
        Assert.Equal(["podSelector"], peer.Select(p => p.Key));
        Assert.Equal("gateway", (string?)peer["podSelector"]!["matchLabels"]!["app.kubernetes.io/name"]);
        Assert.Null(peer["podSelector"]!["matchExpressions"]);
        Assert.Equal("management", (string?)entry["ports"]!.AsArray().Single()!["port"]);

        // The only other peers are those of networkPolicy.managementFrom, appended to the same list.
        Assert.Equal(["{{- with $np.managementFrom }}", "{{- toYaml . | nindent 8 }}", "{{- end }}"], directives);
    }

    [Theory]
    [InlineData("contacts")]
    [InlineData("leads")]
    [InlineData("assignment")]
    [InlineData("messaging")]
    [InlineData("analytics")]
    [InlineData("gateway")]
    public void Every_chart_adds_no_management_peers_by_default(string chart)
    {
        var values = Repo.LoadYaml(Repo.PathOf("charts", chart, "values.yaml"))!;
        Assert.True((bool?)values["networkPolicy"]!["enabled"]);
        Assert.Empty(values["networkPolicy"]!["managementFrom"]!.AsArray());
    }

    [Fact]
    public void The_grpc_ports_admit_only_their_callers()
    {
        // Contacts' ContactDirectory: leads and messaging; everyone else's PersonalData (the GDPR export): contacts only.
        var contacts = Repo.LoadYaml(Repo.PathOf("charts", "contacts", "values.yaml"))!;
        Assert.Equal(["leads", "messaging"], contacts["networkPolicy"]!["grpcFrom"]!.AsArray().Select(n => (string?)n));
        foreach (var chart in Repo.PersonalDataServices)
        {
            var values = Repo.LoadYaml(Repo.PathOf("charts", chart, "values.yaml"))!;
            Assert.True((bool?)values["grpc"]!["enabled"], chart);
            Assert.Equal(["contacts"], values["networkPolicy"]!["grpcFrom"]!.AsArray().Select(n => (string?)n));
            Assert.Equal($"dns:///{chart}-grpc:8081", (string?)contacts["env"]![$"Services__{char.ToUpperInvariant(chart[0])}{chart[1..]}__Grpc"]);
        }
    }

    /// <summary>The lines of the ingress rule whose port is management: from its "- from:" to its last port line.</summary>
    private static List<string> ManagementRule()
    {
        var lines = Definition.Split('\n');
        var port = Array.FindIndex(lines, l => l.Trim() == "- port: management");
        Assert.True(port > 0, "no ingress rule for port management");
        var start = Array.FindLastIndex(lines, port, l => l.Trim() == "- from:");
        Assert.True(start >= 0, "the management rule has no from (it would admit every source)");
        var end = port + 1;
        Assert.Equal("protocol: TCP", lines[end].Trim());
        return [.. lines[start..(end + 1)]];
    }
}
