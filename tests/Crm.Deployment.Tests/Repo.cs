using System.Globalization;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Crm.Deployment.Tests;

/// <summary>The repository's deployment files and the facts they must agree on.</summary>
internal static partial class Repo
{
    /// <summary>name → (project, assembly, serves gRPC).</summary>
    public static readonly IReadOnlyDictionary<string, (string Project, string Assembly, bool Grpc)> Deployables =
        new Dictionary<string, (string, string, bool)>
        {
            ["contacts"] = ("services/Crm.Contacts/Crm.Contacts.csproj", "Crm.Contacts", true),
            ["leads"] = ("services/Crm.Leads/Crm.Leads.csproj", "Crm.Leads", true),
            ["assignment"] = ("services/Crm.Assignment/Crm.Assignment.csproj", "Crm.Assignment", true),
            ["messaging"] = ("services/Crm.Messaging/Crm.Messaging.csproj", "Crm.Messaging", true),
            ["analytics"] = ("services/Crm.Analytics/Crm.Analytics.csproj", "Crm.Analytics", true),
            ["gateway"] = ("gateway/Crm.Gateway/Crm.Gateway.csproj", "Crm.Gateway", false),
        };

    public static IEnumerable<string> Services => Deployables.Keys.Where(n => n != "gateway");

    /// <summary>The services that serve <c>PersonalData</c> (the GDPR export) to Contacts, and only to it.</summary>
    public static IReadOnlyList<string> PersonalDataServices { get; } = ["leads", "assignment", "messaging", "analytics"];

    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Environment keys a deployment must give each process (besides the ports, fixed by the charts' template).</summary>
    public static IReadOnlySet<string> RequiredEnvironment(string name)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (name == "gateway")
        {
            foreach (var service in Services)
            {
                keys.Add($"ReverseProxy__Clusters__{service}__Destinations__primary__Address");
                keys.Add($"Gateway__Backends__{service}__Health");
            }

            keys.Add("Gateway__BootstrapAdminKeySha256");
            keys.Add("Identity__SigningKeyPem");
            keys.UnionWith(["Storage__Provider", "Storage__MongoConnectionString", "Storage__MongoDatabase"]);
            return keys;
        }

        keys.UnionWith(["Storage__Provider", "Storage__MongoConnectionString", "Storage__MongoDatabase", "RabbitMq__Uri", "Identity__PublicKeyPem"]);
        if (name == "contacts")
        {
            keys.Add("Contacts__DefaultRegion");
            keys.UnionWith(PersonalDataServices.Select(s => $"Services__{char.ToUpperInvariant(s[0])}{s[1..]}__Grpc"));
        }

        if (name is "leads" or "messaging")
        {
            keys.Add("Services__Contacts__Grpc");
        }

        if (name == "messaging")
        {
            keys.UnionWith(["Smtp__Host", "Smtp__Port", "Smtp__From"]);
        }

        return keys;
    }

    public static JsonNode? LoadYaml(string path) => LoadYamlText(File.ReadAllText(path)).SingleOrDefault();

    /// <summary>Every document of a YAML stream, with YAML 1.2 core-schema scalar types (so a schema sees numbers as numbers).</summary>
    public static IReadOnlyList<JsonNode?> LoadYamlText(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => Convert(d.RootNode)).ToList();
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? string.Empty, Convert(c.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException($"Unsupported YAML node {node.NodeType}"),
    };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(bool.Parse(value));
        }

        if (IntegerPattern().IsMatch(value))
        {
            return JsonValue.Create(long.Parse(value, CultureInfo.InvariantCulture));
        }

        if (FloatPattern().IsMatch(value))
        {
            return JsonValue.Create(double.Parse(value, CultureInfo.InvariantCulture));
        }

        return JsonValue.Create(value);
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Crm.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Crm.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex("^[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
