using System.Text.Json.Nodes;
using NJsonSchema;
using Xunit;

namespace Crm.Deployment.Tests;

/// <summary>Every chart's values.yaml against its values.schema.json, with a real JSON-schema validator (NJsonSchema).</summary>
public sealed class ChartValuesTests
{
    private static List<string> ChartNames() =>
        [.. Directory.GetDirectories(Repo.PathOf("charts"))
            .Select(d => Path.GetFileName(d))
            .Where(chart => File.Exists(Repo.PathOf("charts", chart, "values.yaml")))
            .Order(StringComparer.Ordinal)];

    public static TheoryData<string> Charts() => [.. ChartNames()];

    [Fact]
    public void Every_deployable_and_the_umbrella_and_dev_infra_have_a_chart()
    {
        var charts = ChartNames().ToHashSet();
        Assert.Superset(new HashSet<string>(Repo.Deployables.Keys) { "crm", "dev-infra" }, charts);
    }

    [Theory]
    [MemberData(nameof(Charts))]
    public async Task Values_validate_against_the_schema(string chart)
    {
        var schema = await SchemaAsync(chart);
        var values = Repo.LoadYaml(Repo.PathOf("charts", chart, "values.yaml")) ?? new JsonObject();

        var errors = schema.Validate(values.ToJsonString());
        Assert.True(errors.Count == 0, $"charts/{chart}/values.yaml: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
    }

    [Theory]
    [MemberData(nameof(Charts))]
    public async Task A_misspelt_key_is_rejected(string chart)
    {
        var schema = await SchemaAsync(chart);
        var values = (JsonObject)(Repo.LoadYaml(Repo.PathOf("charts", chart, "values.yaml")) ?? new JsonObject());

        values["replicaCuont"] = 3;
        Assert.NotEmpty(schema.Validate(values.ToJsonString()));
    }

    [SkippableTheory]
    [MemberData(nameof(Charts))]
    public async Task A_misspelt_nested_key_is_rejected(string chart)
    {
        var schema = await SchemaAsync(chart);
        var values = (JsonObject)(Repo.LoadYaml(Repo.PathOf("charts", chart, "values.yaml")) ?? new JsonObject());
        var nested = values.FirstOrDefault(p => p.Value is JsonObject o && o.Count > 0 && p.Key != "global");
        Skip.If(nested.Key is null, $"charts/{chart}/values.yaml has no nested object to misspell a key in.");

        ((JsonObject)nested.Value!)["tpyo"] = "x";
        if (Repo.Deployables.ContainsKey(nested.Key) && chart == "crm")
        {
            // The umbrella passes a sub-chart's block to that chart, whose own schema (over its defaults merged
            // with the block, as Helm does) rejects the typo.
            var sub = (JsonObject)(Repo.LoadYaml(Repo.PathOf("charts", nested.Key, "values.yaml")) ?? new JsonObject());
            Merge(sub, (JsonObject)nested.Value!);
            Assert.NotEmpty((await SchemaAsync(nested.Key)).Validate(sub.ToJsonString()));
            return;
        }

        Assert.NotEmpty(schema.Validate(values.ToJsonString()));
    }

    [Theory]
    [MemberData(nameof(Charts))]
    public async Task A_value_of_the_wrong_type_is_rejected(string chart)
    {
        var values = (JsonObject)(Repo.LoadYaml(Repo.PathOf("charts", chart, "values.yaml")) ?? new JsonObject());
        var scalar = values.FirstOrDefault(p => p.Value is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False);
        if (scalar.Key is null)
        {
            return;
        }

        values[scalar.Key] = "not-a-" + scalar.Value!.GetValueKind().ToString().ToLowerInvariant();
        Assert.NotEmpty((await SchemaAsync(chart)).Validate(values.ToJsonString()));
    }

    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source.ToList())
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static Task<JsonSchema> SchemaAsync(string chart)
    {
        var path = Repo.PathOf("charts", chart, "values.schema.json");
        Assert.True(File.Exists(path), $"charts/{chart} has no values.schema.json");
        return JsonSchema.FromFileAsync(path);
    }
}
