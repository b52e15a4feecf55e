using System.Text;
using Crm.Client;
using Crm.ServiceDefaults.Security;
using Xunit;

namespace Crm.Testing;

/// <summary>
/// The whole platform as real processes: a private RabbitMQ node, an SMTP sink, the five services (SQLite files in a
/// temp folder) and the gateway, each started with `dotnet Crm.X.dll` on free loopback ports and stopped (by PID,
/// with its process tree) when the tests end, also after a failure.
/// </summary>
public class Platform : IAsyncLifetime
{
    public const string ApiKey = "system-test-key";

    /// <summary>Messaging's <c>Conversations:EmailInboundSecret</c> (the inbound e-mail webhook's signature key; the demo signs with it).</summary>
    public const string EmailInboundSecret = "system-test-email-inbound-secret";

    /// <summary>The consumer queue configured with a prefetch of 4 (the default is 16).</summary>
    public const string OwnPrefetchQueue = "messaging-lead-assigned";

    /// <summary>The gateway's body limit (<c>Gateway:MaxRequestBodyBytes</c>, set explicitly: its default).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;


    private static readonly (string Name, string Project, bool Grpc)[] Services =
    [
        ("contacts", "services/Crm.Contacts", true),
        ("leads", "services/Crm.Leads", true),
        ("assignment", "services/Crm.Assignment", true),
        ("messaging", "services/Crm.Messaging", true),
        ("analytics", "services/Crm.Analytics", true),
    ];

    private readonly TempDirectory _data = new("crm-system");
    private readonly List<ProcessHost> _processes = [];
    private readonly Dictionary<string, (string Project, Dictionary<string, string?> Environment, int Management)> _started = [];
    private readonly Dictionary<string, (int Http, int Grpc, int Management)> _ports = [];
    private RabbitMqNode? _rabbit;

    public SmtpSink Smtp { get; private set; } = null!;

    /// <summary>The OIDC provider the gateway trusts for people's tokens (its public key goes in by environment).</summary>
    public TestPeople People { get; } = new();

    public Uri Gateway { get; private set; } = null!;


    public ICrmApi Api { get; private set; } = null!;

    /// <summary>
    /// Makes sure some rep takes leads now (active, available, no working hours, room for 100 more): other tests of the
    /// shared platform may have set theirs away or given them working hours. Creates <paramref name="name"/> when none does.
    /// </summary>
    public async Task EnsureRepTakingLeadsAsync(string name)
    {
        var reps = await Api.ListRepsAsync();
        if (reps.Content?.Items.Any(r => r.Active && r.Presence == Crm.Contracts.Api.Assignment.Presence.Available && r.WorkingHours is null && r.OpenLeads < r.Capacity - 100) != true)
        {
            var created = await Api.CreateRepAsync(new Crm.Contracts.Api.Assignment.CreateRepRequest { Name = name, Capacity = 1000 });
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }
    }

    /// <summary>One call through the gateway with the platform's API key: asserts the status and returns the JSON answer (default when empty).</summary>
    public async Task<System.Text.Json.JsonElement> SendAsync(HttpMethod method, string path, object? body, System.Net.HttpStatusCode expected, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var http = new HttpClient { BaseAddress = Gateway };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body, options: CrmClient.JsonOptions) };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Each process' ports by name (the five services and the gateway); Grpc is 0 where none is served.</summary>
    public IReadOnlyDictionary<string, (int Http, int Grpc, int Management)> Ports => _ports;

    /// <summary>The private RabbitMQ node every process uses.</summary>
    public RabbitMqNode Broker => _rabbit ?? throw new InvalidOperationException("The platform is not running.");

    public string MailPickup => _data.Combine("mail-pickup");

    public virtual async Task InitializeAsync()
    {
        try
        {
            var rabbit = RabbitMqNode.StartAsync();
            var smtp = SmtpSink.StartAsync();
            _rabbit = await rabbit;
            Smtp = await smtp;

            var ports = Services.ToDictionary(s => s.Name, s => (Http: FreePort.Next(), Grpc: s.Grpc ? FreePort.Next() : 0, Management: FreePort.Next()));
            foreach (var (name, project, _) in Services)
            {
                var p = ports[name];
                _ports[name] = p;
                var environment = Environment(name, p.Http, p.Grpc, p.Management, ports);
                if (name == "messaging")
                {
                    environment["Conversations__EmailInboundSecret"] = EmailInboundSecret;
                }

                Configure(name, environment);
                Start(name, project, environment, p.Management);
            }

            var gatewayHttp = FreePort.Next();
            var gatewayManagement = FreePort.Next();
            _ports["gateway"] = (gatewayHttp, 0, gatewayManagement);
            var gatewayEnvironment = Environment("gateway", gatewayHttp, 0, gatewayManagement, ports);
            gatewayEnvironment["Gateway__ApiKeys__0__Name"] = "system-test";
            gatewayEnvironment["Gateway__ApiKeys__0__Key"] = ApiKey;
            gatewayEnvironment["Gateway__MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < Scopes.AllAdmin.Count; i++)
            {
                gatewayEnvironment[$"Gateway__ApiKeys__0__Scopes__{i}"] = Scopes.AllAdmin[i];
            }

            gatewayEnvironment["Identity__SigningKeyPem"] = TestIdentity.SigningKeyPem;
            gatewayEnvironment["Gateway__People__Issuer"] = TestPeople.Issuer;
            gatewayEnvironment["Gateway__People__Audience"] = TestPeople.Audience;
            gatewayEnvironment["Gateway__People__SigningKeysPem"] = People.PublicKeyPem;
            foreach (var (name, _, _) in Services)
            {
                gatewayEnvironment[$"ReverseProxy__Clusters__{name}__Destinations__primary__Address"] = $"http://127.0.0.1:{ports[name].Http}/";
                gatewayEnvironment[$"Gateway__Backends__{name}__Health"] = $"http://127.0.0.1:{ports[name].Management}/health/ready";
            }

            Configure("gateway", gatewayEnvironment);
            Start("gateway", "gateway/Crm.Gateway", gatewayEnvironment, gatewayManagement);
            foreach (var name in _started.Keys)
            {
                await WaitReadyAsync(name);
            }

            Gateway = new Uri($"http://127.0.0.1:{gatewayHttp}");
            Api = CrmClient.Create(Gateway, ApiKey);
        }
        catch
        {
            var diagnostics = Diagnostics();
            await DisposeAsync();
            throw new InvalidOperationException("The platform did not start.\n" + diagnostics);
        }
    }

    public virtual async Task DisposeAsync()
    {
        // Stop in reverse order, every one of them, whatever happens.
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        _processes.Clear();
        if (Smtp is not null)
        {
            await Smtp.DisposeAsync();
        }

        if (_rabbit is not null)
        {
            await _rabbit.DisposeAsync();
            _rabbit = null;
        }

        _data.Dispose();
        People.Dispose();
    }

    /// <summary>The folder of the services' SQLite files (<c>{service}.db</c>).</summary>
    public string DataDirectory => _data.Combine("data");

    /// <summary>Settings a derived fixture adds to or changes in one process' environment before it first starts.</summary>
    protected virtual void Configure(string name, Dictionary<string, string?> environment)
    {
    }

    /// <summary>
    /// Starts a second process of a service (<c>{name}-replica</c>): the same store file, queues and settings, its own
    /// ports; waits until it is ready.
    /// </summary>
    public async Task StartReplicaAsync(string name)
    {
        var (project, environment, _) = _started[name];
        var (http, grpc, management) = (FreePort.Next(), _ports[name].Grpc == 0 ? 0 : FreePort.Next(), FreePort.Next());
        var replica = new Dictionary<string, string?>(environment)
        {
            ["Ports__Http"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ports__Grpc"] = grpc.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ports__Management"] = management.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Start($"{name}-replica", project, replica, management);
        await WaitReadyAsync($"{name}-replica");
    }

    /// <summary>Stops (SIGTERM, then SIGKILL after 15 s) the second process of a service started by <see cref="StartReplicaAsync"/>, if it runs.</summary>
    public async Task StopReplicaAsync(string name)
    {
        _started.Remove($"{name}-replica");
        if (_processes.SingleOrDefault(p => p.Name == $"{name}-replica") is { } replica)
        {
            _processes.Remove(replica);
            await replica.TerminateAsync(TimeSpan.FromSeconds(15));
        }
    }

    /// <summary>Kills one process (as a crash would) and starts it again on the same ports and store.</summary>
    public async Task RestartAsync(string name)
    {
        await StopAsync(name);
        await StartAsync(name);
    }

    /// <summary>Kills one process (its whole tree), as a crash would.</summary>
    public async Task StopAsync(string name)
    {
        var process = _processes.Single(p => p.Name == name);
        _processes.Remove(process);
        await process.DisposeAsync();
    }

    /// <summary>Starts a stopped process again with the same ports, store and configuration, and waits until it is ready.</summary>
    public async Task StartAsync(string name)
    {
        var (project, environment, management) = _started[name];
        Start(name, project, environment, management);
        await WaitReadyAsync(name);
    }

    private async Task WaitReadyAsync(string name)
    {
        var process = _processes.Single(p => p.Name == name);
        var management = _started[name].Management;
        using var http = new HttpClient();
        await Poll.UntilAsync(
            async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{name} exited:\n{process.Output}");
                }

                return (await http.GetAsync(new Uri($"http://127.0.0.1:{management}/health/ready"))).IsSuccessStatusCode;
            },
            $"{name} to be ready",
            TimeSpan.FromSeconds(120));
    }

    /// <summary>Waits until the process <paramref name="name"/> has exited: true, or false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitOfAsync(string name, TimeSpan timeout)
    {
        using var waited = new CancellationTokenSource(timeout);
        try
        {
            await _processes.Single(p => p.Name == name).WaitForExitAsync(waited.Token);
            return true;
        }
        catch (OperationCanceledException) when (waited.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Everything a running process wrote to its console so far.</summary>
    public string OutputOf(string name) => _processes.Single(p => p.Name == name).Output;

    /// <summary>The tail of every process' output, for a failing test's message.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder();
        foreach (var process in _processes)
        {
            var lines = process.Output.Split('\n');
            text.Append("--- ").Append(process.Name).AppendLine(" ---");
            text.AppendLine(string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 40))));
        }

        return text.ToString();
    }

    private Dictionary<string, string?> Environment(string name, int http, int grpc, int management, Dictionary<string, (int Http, int Grpc, int Management)> ports) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_NOLOGO"] = "1",
        ["Ports__Bind"] = "127.0.0.1",
        ["Ports__Http"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ports__Grpc"] = grpc.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ports__Management"] = management.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Storage__Provider"] = "sqlite",
        ["Storage__DataDirectory"] = _data.Combine("data"),
        ["Outbox__PollInterval"] = "00:00:00.200",
        ["RabbitMq__Uri"] = _rabbit!.AmqpUri,
        // One endpoint with a prefetch of its own (QueueTests checks it took effect, and only there).
        [$"RabbitMq__Endpoints__{OwnPrefetchQueue}__PrefetchCount"] = "4",
        // The dns resolver with round robin, as in Kubernetes (dns:///contacts-grpc:8081): localhost resolves to
        // 127.0.0.1 (where Contacts listens) and possibly ::1 (where nothing does, so that subchannel stays down).
        ["Services__Contacts__Grpc"] = $"dns:///localhost:{ports["contacts"].Grpc}",
        // The PersonalData (GDPR export) ports Contacts calls.
        ["Services__Leads__Grpc"] = $"http://127.0.0.1:{ports["leads"].Grpc}",
        ["Services__Assignment__Grpc"] = $"http://127.0.0.1:{ports["assignment"].Grpc}",
        ["Services__Messaging__Grpc"] = $"http://127.0.0.1:{ports["messaging"].Grpc}",
        ["Services__Analytics__Grpc"] = $"http://127.0.0.1:{ports["analytics"].Grpc}",
        ["Contacts__DefaultRegion"] = "DE",
        // The erasure's sweep soon after the erasure (default a minute), so ErasureTests sees it within its deadline.
        ["Contacts__ErasureSweepDelay"] = "00:00:03",
        // The documented webhook example's host (partner.example.com) does not resolve here: allowed by name, so the
        // examples MassAssignmentTests sends are accepted (the SSRF guard itself is tested in Messaging's tests).
        ["Webhooks__AllowedDestinations__0"] = "partner.example.com",
        ["Smtp__Host"] = "127.0.0.1",
        ["Smtp__Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Smtp__PickupDirectory"] = MailPickup,
        ["Logging__LogLevel__Default"] = "Information",
        ["OTEL_SERVICE_NAME"] = $"crm-{name}",
        ["Identity__PublicKeyPem"] = TestIdentity.PublicKeyPem,
    };

    private void Start(string name, string project, Dictionary<string, string?> environment, int management)
    {
        _started[name] = (project, environment, management);
        var assembly = Path.GetFileName(project);
        var bin = Path.Combine(RepositoryRoot, project, "bin", BuildConfiguration, "net10.0");
        var dll = Path.Combine(bin, assembly + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build the solution in {BuildConfiguration} first.");
        }

        _processes.Add(ProcessHost.Start(name, "dotnet", [dll], environment, workingDirectory: bin));
    }

    private static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Crm.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Crm.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Debug or Release: the configuration this test assembly was built in (bin/&lt;configuration&gt;/net10.0).</summary>
    private static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
}
