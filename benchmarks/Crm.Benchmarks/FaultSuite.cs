using System.Diagnostics;
using Crm.Faults;

namespace Crm.Benchmarks;

/// <summary>
/// <c>./crm bench faults</c>: the fault suite (<see cref="FaultScenarios"/>, shared with the reduced run in
/// tests/Crm.FaultTests) against the platform of <c>./crm up</c>, hurt through the script (<c>./crm kill</c>,
/// <c>restart</c>, <c>replica</c>, <c>rabbitmqctl</c>).
/// </summary>
public static class FaultSuite
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var settings = new FaultSettings
        {
            Rate = args.Number("rate", 30),
            Seconds = args.Number("seconds", 60),
            FaultAt = args.Text("fault-at") is null ? null : args.Number("fault-at", 0),
            Outage = args.Number("outage", 10),
            LongOutage = args.Number("long-outage", 60),
            RecoveryLimit = TimeSpan.FromSeconds(args.Number("recovery-limit", 600)),
        };
        var local = Path.GetFullPath(args.Text("local", ".local"));
        var platform = new CrmScriptPlatform(
            new Uri(args.Text("gateway", "http://127.0.0.1:5000")),
            args.Text("key") ?? throw new ArgumentException("--key (the gateway API key) is required"),
            local,
            Path.GetFullPath(args.Text("crm", "crm")),
            new Uri(args.Text("amqp", "amqp://guest:guest@127.0.0.1:5682/")),
            args.Text("mail") is { } mail ? Path.GetFullPath(mail) : null);
        var scenarios = args.Text("scenario", "all") is "all" ? FaultScenarios.All : args.Text("scenario", "all").Split(',');

        using var http = FaultScenarios.CreateClient(platform);
        Console.WriteLine($"fault suite: {settings.Rate} captures/s for {settings.Seconds} s per scenario, the fault at {settings.FaultAtSeconds} s, outage {settings.Outage} s ({settings.LongOutage} s for contacts-down and rabbitmq-kill)");
        Console.WriteLine();
        Console.WriteLine(FaultScenarios.TableHeader);
        var failed = false;
        var timelines = new List<string>();
        var goal = new List<string>();
        foreach (var scenario in scenarios)
        {
            var result = await FaultScenarios.RunAsync(platform, http, scenario, settings);
            Console.WriteLine(result.Row());
            timelines.Add($"{result.Scenario}: {result.Timeline}");
            goal.AddRange(result.GoalMisses().Select(miss => $"{result.Scenario}: {miss}"));
            failed |= !result.Clean;
        }

        Console.WriteLine();
        timelines.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine(failed ? "NOT CLEAN: something was lost, duplicated or left dead-lettered (the table says what)" : "clean: nothing lost, duplicated or left dead-lettered");
        Console.WriteLine(goal.Count == 0 ? "goal: met" : "goal: NOT met\n  " + string.Join("\n  ", goal));

        // 1: not clean; 2: clean, but the goal (refusals, drain time, poison throughput) missed.
        return failed ? 1 : goal.Count > 0 ? 2 : 0;
    }

    /// <summary>The platform of <c>./crm up</c> (its <c>CRM_LOCAL_DIR</c>), hurt through the script.</summary>
    private sealed class CrmScriptPlatform(Uri gateway, string apiKey, string local, string crm, Uri amqp, string? mail) : IFaultPlatform
    {
        public Uri Gateway => gateway;

        public string ApiKey => apiKey;

        public string DataDirectory => Path.Combine(local, "data");

        /// <summary>The pickup folder of <c>./crm up</c> without SMTP, or <c>--mail</c>: an SMTP sink's Maildir <c>new/</c>, where every delivery is a file of its own.</summary>
        public string MailFolder => mail ?? Path.Combine(local, "mail-pickup");

        public Uri AmqpUri => amqp;

        public Task KillAsync(string process) => CrmAsync("kill", process);

        public Task StartAsync(string process) => CrmAsync("restart", process);

        public Task RestartAsync(string process) => CrmAsync("restart", process);

        public Task CrashAtAsync(string process, string point, int after) => CrmAsync("crash", process, point, after.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>Polls the process of <c>.local/pids/{process}.pid</c> until it is gone.</summary>
        public async Task<bool> WaitForExitAsync(string process, TimeSpan timeout)
        {
            var pidFile = Path.Combine(local, "pids", process + ".pid");
            var clock = Stopwatch.StartNew();
            while (File.Exists(pidFile) && Directory.Exists($"/proc/{(await File.ReadAllTextAsync(pidFile)).Trim()}"))
            {
                if (clock.Elapsed > timeout)
                {
                    return false;
                }

                await Task.Delay(100);
            }

            return true;
        }

        public Task StartReplicaAsync(string service) => CrmAsync("replica", "start", service);

        public Task StopReplicaAsync(string service) => CrmAsync("replica", "stop", service);

        public async Task<string> RabbitMqCtlAsync(params string[] arguments) => (await RunAsync(["rabbitmqctl", .. arguments])).Output;

        private async Task CrmAsync(params string[] arguments)
        {
            var (exitCode, output) = await RunAsync(arguments);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"./crm {string.Join(' ', arguments)} failed:\n{output}");
            }
        }

        private async Task<(int ExitCode, string Output)> RunAsync(string[] arguments)
        {
            var start = new ProcessStartInfo(crm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["CRM_LOCAL_DIR"] = local;
            // A service started again by ./crm restart keeps its crash points armable (kill-* scenarios).
            start.Environment["Faults__Enabled"] = "true";
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {crm}");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }
    }
}
