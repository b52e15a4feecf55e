using System.Text.Json.Nodes;
using Xunit;

namespace Crm.Deployment.Tests;

/// <summary>
/// The three ways of deploying (compose, Helm charts, skaffold) agree with each other and with the code: every
/// deployable is in each, with the same image, build arguments, ports and environment keys.
/// </summary>
public sealed class ConsistencyTests
{
    public static TheoryData<string> Deployables() => [.. Repo.Deployables.Keys];

    [Theory]
    [MemberData(nameof(Deployables))]
    public void The_project_and_its_assembly_exist(string name)
    {
        var (project, assembly, _) = Repo.Deployables[name];
        Assert.True(File.Exists(Repo.PathOf(project)), project);
        Assert.Equal(assembly + ".csproj", Path.GetFileName(project));
    }

    [Theory]
    [MemberData(nameof(Deployables))]
    public void Compose_builds_and_configures_it(string name)
    {
        var service = ComposeService(name);
        var (project, assembly, grpc) = Repo.Deployables[name];
        Assert.Equal($"crm/{name}:0.1.0", (string?)service["image"]);
        var build = service["build"]!.AsObject();
        Assert.Equal("Dockerfile", Path.GetFileName((string?)build["dockerfile"] ?? "Dockerfile"));
        Assert.Equal(project, (string?)build["args"]!["PROJECT"]);
        Assert.Equal(assembly, (string?)build["args"]!["ASSEMBLY"]);

        var environment = Environment(service);
        Assert.Equal("8080", environment.GetValueOrDefault("Ports__Http"));
        Assert.Equal("8090", environment.GetValueOrDefault("Ports__Management"));
        Assert.Equal(grpc ? "8081" : null, environment.GetValueOrDefault("Ports__Grpc"));
        Assert.Equal($"crm-{name}", environment.GetValueOrDefault("OTEL_SERVICE_NAME"));
        Assert.Empty(Repo.RequiredEnvironment(name).Except(environment.Keys));
        if (name != "gateway")
        {
            Assert.Equal("mongo", environment["Storage__Provider"]);
            Assert.Equal($"crm-{name}", environment["Storage__MongoDatabase"]);
        }
    }

    [Theory]
    [MemberData(nameof(Deployables))]
    public void Its_chart_uses_the_library_and_configures_it_like_compose(string name)
    {
        var chart = Repo.LoadYaml(Repo.PathOf("charts", name, "Chart.yaml"))!;
        var library = chart["dependencies"]!.AsArray().Single(d => (string?)d!["name"] == "crm-lib")!;
        Assert.Equal("file://../crm-lib", (string?)library["repository"]);
        Assert.Equal("0.1.0", (string?)chart["version"]);

        var template = Directory.GetFiles(Repo.PathOf("charts", name, "templates")).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal)).ToList();
        Assert.All(template, f => Assert.Matches("^\\{\\{-? include \"crm-lib\\.[a-zA-Z]+\" \\. -?\\}\\}\\s*$", File.ReadAllText(f)));

        var values = Repo.LoadYaml(Repo.PathOf("charts", name, "values.yaml"))!;
        Assert.Equal($"crm/{name}", (string?)values["image"]!["repository"]);
        Assert.Equal("0.1.0", values["image"]!["tag"]!.ToString());

        var chartEnvironment = Keys(values["env"]).Concat(Keys(values["secretEnv"])).ToHashSet(StringComparer.Ordinal);
        if (name == "gateway")
        {
            foreach (var service in Repo.Services)
            {
                Assert.NotNull(values["routes"]?[service]?["address"]);
                Assert.NotNull(values["routes"]?[service]?["health"]);
                chartEnvironment.Add($"ReverseProxy__Clusters__{service}__Destinations__primary__Address");
                chartEnvironment.Add($"Gateway__Backends__{service}__Health");
            }
        }

        Assert.Empty(Repo.RequiredEnvironment(name).Except(chartEnvironment));
        Assert.Equal(Repo.Deployables[name].Grpc, (bool?)values["grpc"]?["enabled"] ?? false);

        // Connection strings and keys only by Secret reference, never as plain values.
        foreach (var secret in new[] { "Storage__MongoConnectionString", "RabbitMq__Uri", "Gateway__BootstrapAdminKeySha256", "Identity__SigningKeyPem", "Identity__PublicKeyPem" })
        {
            Assert.DoesNotContain(secret, Keys(values["env"]));
        }

        var composeEnvironment = Environment(ComposeService(name));
        foreach (var (key, value) in values["env"]?.AsObject() ?? [])
        {
            if (composeEnvironment.TryGetValue(key, out var composeValue) && !IsGrpcAddress(key) && key is not "Smtp__Host" and not "Smtp__Port" and not "Gateway__AllowPublicDevelopmentKey")
            {
                Assert.Equal(composeValue, value?.ToString());
            }
        }
    }

    [Fact]
    public void The_umbrella_chart_installs_every_chart_each_switchable()
    {
        var chart = Repo.LoadYaml(Repo.PathOf("charts", "crm", "Chart.yaml"))!;
        var dependencies = chart["dependencies"]!.AsArray().Select(d => d!).ToList();
        foreach (var name in Repo.Deployables.Keys)
        {
            var dependency = dependencies.Single(d => (string?)d["name"] == name);
            Assert.Equal($"file://../{name}", (string?)dependency["repository"]);
            Assert.Equal($"{name}.enabled", (string?)dependency["condition"]);
        }
    }

    [Theory]
    [MemberData(nameof(Deployables))]
    public void Skaffold_builds_it_like_compose_and_deploys_its_chart(string name)
    {
        var configs = Repo.LoadYamlText(File.ReadAllText(Repo.PathOf("skaffold.yaml"))).Select(c => c!).ToList();
        var config = configs.Single(c => (string?)c["metadata"]?["name"] == name);
        var artifact = config["build"]!["artifacts"]!.AsArray().Single()!;
        var (project, assembly, _) = Repo.Deployables[name];
        Assert.Equal($"crm/{name}", (string?)artifact["image"]);
        Assert.Equal(project, (string?)artifact["docker"]!["buildArgs"]!["PROJECT"]);
        Assert.Equal(assembly, (string?)artifact["docker"]!["buildArgs"]!["ASSEMBLY"]);

        var release = config["deploy"]!["helm"]!["releases"]!.AsArray().Single()!;
        Assert.Equal($"charts/{name}", (string?)release["chartPath"]);
        Assert.NotNull(release["setValueTemplates"]?["image.repository"]);
        Assert.NotNull(release["setValueTemplates"]?["image.tag"]);

        var all = configs.Single(c => (string?)c["metadata"]?["name"] == "crm");
        Assert.Contains(all["requires"]!.AsArray(), r => (string?)r!["configs"]?.AsArray().FirstOrDefault() == name || ((r!["configs"] as JsonArray)?.Any(c => (string?)c == name) ?? false));
    }

    [Fact]
    public void Skaffold_has_a_dev_infra_profile()
    {
        var configs = Repo.LoadYamlText(File.ReadAllText(Repo.PathOf("skaffold.yaml"))).Select(c => c!).ToList();
        Assert.Contains(configs, c => (string?)c["metadata"]?["name"] == "dev-infra");
        Assert.Contains(configs, c => c["profiles"]?.AsArray().Any(p => (string?)p!["name"] == "dev-infra") ?? false);
    }

    [Fact]
    public void Compose_runs_mongo_as_a_replica_set_and_rabbitmq_with_health_checks()
    {
        var mongo = ComposeService("mongo");
        Assert.Contains("--replSet", mongo["command"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.NotNull(mongo["healthcheck"]);
        Assert.NotNull(ComposeService("rabbitmq")["healthcheck"]);
        foreach (var name in Repo.Services)
        {
            var dependsOn = ComposeService(name)["depends_on"]!.AsObject();
            Assert.Equal("service_healthy", (string?)dependsOn["mongo"]!["condition"]);
            Assert.Equal("service_healthy", (string?)dependsOn["rabbitmq"]!["condition"]);
        }
    }

    [Fact]
    public void Compose_and_dev_infra_accept_the_same_development_key_and_only_as_a_hash()
    {
        var compose = Environment(ComposeService("gateway"));
        var devInfra = Repo.LoadYaml(Repo.PathOf("charts", "dev-infra", "values.yaml"))!;
        Assert.Equal((string?)devInfra["secrets"]!["gatewayKeySha256"], compose["Gateway__BootstrapAdminKeySha256"]);
        Assert.Matches("^[0-9a-f]{64}$", compose["Gateway__BootstrapAdminKeySha256"]);
        Assert.Equal("true", compose["Gateway__AllowPublicDevelopmentKey"]);
        Assert.DoesNotContain(compose.Keys, key => key.StartsWith("Gateway__ApiKeys__", StringComparison.Ordinal) || key == "Gateway__BootstrapAdminKey");
    }

    [Fact]
    public void Compose_and_dev_infra_sign_with_the_same_development_pair_and_every_service_verifies_with_its_public_half()
    {
        var devInfra = Repo.LoadYaml(Repo.PathOf("charts", "dev-infra", "values.yaml"))!;
        var signing = (string)devInfra["secrets"]!["identitySigningKeyPem"]!;
        var published = (string)devInfra["secrets"]!["identityPublicKeyPem"]!;
        Assert.Equal(signing.Trim(), Environment(ComposeService("gateway"))["Identity__SigningKeyPem"]?.Trim());
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(signing);
        Assert.Equal(published.Trim(), key.ExportSubjectPublicKeyInfoPem().Trim());
        foreach (var service in Repo.Deployables.Keys.Where(n => n != "gateway"))
        {
            Assert.Equal(published.Trim(), Environment(ComposeService(service))["Identity__PublicKeyPem"]?.Trim());
        }
    }

    private static JsonObject ComposeService(string name) =>
        Repo.LoadYaml(Repo.PathOf("docker-compose.yml"))!["services"]![name]?.AsObject()
        ?? throw new Xunit.Sdk.XunitException($"docker-compose.yml has no service '{name}'.");

    private static Dictionary<string, string?> Environment(JsonObject service)
    {
        var environment = service["environment"];
        return environment switch
        {
            JsonObject map => map.ToDictionary(p => p.Key, p => p.Value?.ToString(), StringComparer.Ordinal),
            JsonArray list => list.Select(e => e!.ToString().Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : null, StringComparer.Ordinal),
            _ => [],
        };
    }

    /// <summary>A gRPC address (<c>Services__X__Grpc</c>): compose names the host, a chart the headless Service (<c>dns:///x-grpc:8081</c>).</summary>
    private static bool IsGrpcAddress(string key) => key.StartsWith("Services__", StringComparison.Ordinal) && key.EndsWith("__Grpc", StringComparison.Ordinal);

    private static IEnumerable<string> Keys(JsonNode? node) => node is JsonObject map ? map.Select(p => p.Key) : [];
}
