using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Crm.Benchmarks;

/// <summary>
/// The gateway's own cost: the same reads sent directly to the services (with the identity the gateway would sign),
/// through a bare YARP proxy with no policies (a child process of this tool), and through the gateway (API key,
/// scopes, limits, identity signing), in one run against a platform started by <c>./crm up</c>. Prints requests/s,
/// the ratio to direct, and each proxy's CPU per request (from <c>/proc/&lt;pid&gt;/stat</c>).
/// </summary>
public static class GatewayBenchmark
{
    private static readonly double TicksPerSecond = ProcessCpu.TicksPerSecond;

    public static async Task<int> RunAsync(Arguments args)
    {
        var seconds = args.Number("seconds", 10);
        var warmup = args.Number("warmup", 5);
        var connections = args.Number("connections", 16);
        var gateway = new Uri(args.Text("gateway", "http://127.0.0.1:5000"));
        var key = args.Text("key") ?? throw new ArgumentException("--key (the gateway API key) is required");
        var local = args.Text("local", ".local");
        var leads = new Uri(args.Text("leads", "http://127.0.0.1:5111"));
        var gatewayPid = args.Text("gateway-pid") is { } given ? int.Parse(given, CultureInfo.InvariantCulture) : await PidAsync(local, "gateway");
        var signingKey = Path.Combine(local, "identity", "signing-key.pem");

        // The identity the gateway would forward for an admin key: what a direct or bare-proxy request carries.
        using var issuer = new InternalIdentityIssuer(
            Options.Create(new InternalIdentityOptions { SigningKeyFile = signingKey, Lifetime = TimeSpan.FromHours(2) }),
            TimeProvider.System);
        var identity = issuer.TokenFor(new CallerIdentity("benchmark", CallerIdentity.KeyKind, "benchmark", Scopes.AllAdmin.ToHashSet(StringComparer.Ordinal)));

        var api = CrmClient.Create(gateway, key);
        var lead = await api.CaptureLeadAsync(new CaptureLeadRequest { Name = "Bench Mark", Email = $"bench.{Guid.NewGuid():N}@example.com", Source = "benchmark", Channel = Channel.Web });
        if (lead.StatusCode != HttpStatusCode.Created)
        {
            Console.Error.WriteLine($"capture failed: {(int?)lead.StatusCode} (start the platform with a raised per-key limit, see benchmarks/README.md)");
            return 1;
        }

        // The list line reads a full page of 50 leads: capture until there are at least 50 (the client has no list method).
        using (var lister = new HttpClient { BaseAddress = gateway })
        {
            lister.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var listed = (await lister.GetFromJsonAsync<Page<LeadResponse>>("/api/leads?limit=50", CrmClient.JsonOptions))?.Items.Count ?? 0;
            for (var more = listed; more < 50; more++)
            {
                var captured = await api.CaptureLeadAsync(new CaptureLeadRequest { Name = $"Bench Lead {more}", Email = $"bench.{Guid.NewGuid():N}@example.com", Source = "benchmark", Channel = Channel.Web });
                if (!captured.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"capture {more} failed: {(int?)captured.StatusCode}");
                    return 1;
                }
            }
        }

        var port = Testing.FreePort.Next();
        using var bare = StartBareProxy(port, leads);
        var bareUri = new Uri($"http://127.0.0.1:{port}");
        await WaitUntilAsync(bareUri, lead.Content!.Id, identity);

        using var load = Load.Choose(args.Text("load", "auto"), connections);
        var rounds = Math.Max(1, args.Number("rounds", 3));
        // shared (default): every process on every core, as ./crm up runs them. split: the service on the first core,
        // the proxies and the load generator (this process, and wrk: its child) on the others, as pods of their own would.
        var split = args.Text("cores", "shared") switch
        {
            "shared" => false,
            "split" => true,
            var other => throw new ArgumentException($"--cores must be shared or split, not '{other}'"),
        };
        Console.WriteLine($"gateway benchmark: {connections} connections ({load.Name}), {warmup} s warm-up + {seconds} s per line, {rounds} round(s) of direct, bare YARP, gateway in turn, {(split ? $"the service on core 0, the proxies and the load on cores {CpuAffinity.AllButFirst}" : "all on every core")}, against {gateway}");
        var pinned = new List<int>();
        try
        {
            foreach (var (name, path, direct, service) in new[]
                     {
                         ("GET /api/leads/{id}", $"/api/leads/{lead.Content.Id}", leads, "leads"),
                         ("GET /api/leads?limit=50 (a page of 50 leads)", "/api/leads?limit=50", leads, "leads"),
                     })
            {
                Console.WriteLine();
                Console.WriteLine(name);
                var servicePid = await PidAsync(local, service);
                if (split)
                {
                    await CpuAffinity.PinAsync(servicePid, "0");
                    foreach (var proxy in new[] { bare.Id, gatewayPid, Environment.ProcessId })
                    {
                        await CpuAffinity.PinAsync(proxy, CpuAffinity.AllButFirst);
                    }

                    pinned.AddRange([servicePid, gatewayPid]);
                }

                var results = new List<(Run Direct, Run Bare, Run Gateway)>();
                for (var round = 1; round <= rounds; round++)
                {
                    var directRun = await MeasureAsync(load, direct, path, identity, warmup, seconds, servicePid);
                    var bareRun = await MeasureAsync(load, bareUri, path, identity, warmup, seconds, bare.Id);
                    var gatewayRun = await MeasureAsync(load, gateway, path, key, warmup, seconds, gatewayPid);
                    results.Add((directRun, bareRun, gatewayRun));
                    Console.WriteLine($" round {round}");
                    Print("direct to the service (its own CPU)", directRun, directRun);
                    Print("bare YARP (no policies)", bareRun, directRun);
                    Print("gateway (key, scopes, limits, identity)", gatewayRun, directRun);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  gateway's policies over bare YARP: {gatewayRun.CpuMicrosPerRequest - bareRun.CpuMicrosPerRequest:F1} µs CPU per request"));
                }

                if (rounds > 1)
                {
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $" median of {rounds} rounds: bare YARP {Median(results.Select(r => r.Bare.PerSecond / r.Direct.PerSecond)):F2} of direct, {Median(results.Select(r => r.Bare.CpuMicrosPerRequest)):F0} µs CPU/request; "
                        + $"gateway {Median(results.Select(r => r.Gateway.PerSecond / r.Direct.PerSecond)):F2} of direct, {Median(results.Select(r => r.Gateway.CpuMicrosPerRequest)):F0} µs CPU/request; "
                        + $"gateway / bare YARP {Median(results.Select(r => r.Gateway.PerSecond / r.Bare.PerSecond)):F2}"));
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $" gateway's policies over bare YARP, median of {rounds} rounds: {Median(results.Select(r => r.Gateway.CpuMicrosPerRequest - r.Bare.CpuMicrosPerRequest)):F1} µs CPU per request (rounds: {string.Join(", ", results.Select(r => (r.Gateway.CpuMicrosPerRequest - r.Bare.CpuMicrosPerRequest).ToString("F1", CultureInfo.InvariantCulture)))})"));
                }
            }

        }
        finally
        {
            // The platform's processes run on every core again.
            foreach (var pid in pinned.Distinct())
            {
                await CpuAffinity.PinAsync(pid, CpuAffinity.All);
            }
        }

        bare.Kill(entireProcessTree: true);
        return 0;
    }

    /// <summary>The bare proxy: YARP with the same routes and nothing else (child process mode).</summary>
    public static async Task<int> RunBareProxyAsync(Arguments args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{args.Text("port", "0")}");
        builder.Services.AddReverseProxy().LoadFromMemory(
            [
                new RouteConfig { RouteId = "leads", ClusterId = "leads", Match = new RouteMatch { Path = "/api/leads/{**rest}" } },
            ],
            [
                new ClusterConfig { ClusterId = "leads", Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = args.Text("leads", "") } } },
            ]);
        await using var app = builder.Build();
        app.MapReverseProxy();
        await app.RunAsync();
        return 0;
    }

    private static Process StartBareProxy(int port, Uri leads)
    {
        var self = typeof(GatewayBenchmark).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { self, "bare-yarp", "--port", port.ToString(CultureInfo.InvariantCulture), "--leads", leads.ToString() },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_gcServer"] = "1"; // as the gateway (Web SDK default)
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the bare proxy");
    }

    private static async Task WaitUntilAsync(Uri proxy, string leadId, string identity)
    {
        using var client = new HttpClient { BaseAddress = proxy };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", identity);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri($"/api/leads/{leadId}", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the bare proxy did not answer within 30 s");
            }

            await Task.Delay(100);
        }
    }

    private sealed record Run(long Requests, long Failures, double Seconds, double CpuMicrosPerRequest)
    {
        public double PerSecond => Requests / Seconds;
    }

    private static async Task<Run> MeasureAsync(Load load, Uri target, string path, string bearer, int warmup, int seconds, int? pid)
    {
        await load.RunAsync(target, path, bearer, TimeSpan.FromSeconds(warmup));
        if (pid is { } warming)
        {
            await SettleAsync(load, target, path, bearer, warming);
        }

        var cpuBefore = pid is { } p ? CpuTicks(p) : 0;
        var watch = Stopwatch.StartNew();
        var (requests, failures) = await load.RunAsync(target, path, bearer, TimeSpan.FromSeconds(seconds));
        var elapsed = watch.Elapsed.TotalSeconds;
        var cpu = pid is { } q ? (CpuTicks(q) - cpuBefore) / TicksPerSecond * 1_000_000 / Math.Max(1, requests) : 0;
        return new Run(requests, failures, elapsed, cpu);
    }

    /// <summary>
    /// After the fixed warm-up, keep loading in 3 s windows until the process' CPU per request of two windows in a row
    /// differs by under 5 % (at most 60 s more): tiered compilation of a process with many code paths (the gateway)
    /// goes on for well over 10 s under load, and its JIT time would otherwise be counted as the policies' cost.
    /// </summary>
    private static async Task SettleAsync(Load load, Uri target, string path, string bearer, int pid)
    {
        var previous = double.NaN;
        for (var window = 0; window < 20; window++)
        {
            var before = CpuTicks(pid);
            var (requests, _) = await load.RunAsync(target, path, bearer, TimeSpan.FromSeconds(3));
            var perRequest = (CpuTicks(pid) - before) / (double)Math.Max(1, requests);
            if (Math.Abs(perRequest - previous) < 0.05 * previous)
            {
                return;
            }

            previous = perRequest;
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static Task<int> PidAsync(string local, string process) => ProcessCpu.PidAsync(local, process);

    private static long CpuTicks(int pid) => ProcessCpu.Ticks(pid);

    private static void Print(string label, Run run, Run direct) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  {label,-42} {run.PerSecond,8:F0} req/s  {run.PerSecond / direct.PerSecond,5:F2} of direct  {(run.CpuMicrosPerRequest > 0 ? $"{run.CpuMicrosPerRequest,6:F0} µs CPU/request" : "")}{(run.Failures > 0 ? $"  ({run.Failures} failed)" : "")}"));
}
