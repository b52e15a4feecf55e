using Crm.Faults;
using Crm.Testing;

namespace Crm.FaultTests;

/// <summary>
/// The platform of the system tests (real processes on free ports, SQLite files in a temp folder, a private RabbitMQ
/// node, an SMTP sink; every process stopped by PID when the tests end, also on failure), its own instance, opened
/// to the fault suite: processes killed and started again, the broker stopped or killed, replicas added.
/// </summary>
public sealed class FaultPlatform : Platform, IFaultPlatform
{
    string IFaultPlatform.ApiKey => ApiKey;

    public string MailFolder => Path.Combine(Smtp.Maildir, "new");

    public Uri AmqpUri => new(Broker.AmqpUri);

    public Task KillAsync(string process) => process == "rabbitmq" ? Broker.KillAsync() : StopAsync(process);

    Task IFaultPlatform.StartAsync(string process) => process == "rabbitmq" ? Broker.StartAgainAsync() : StartAsync(process);

    public async Task CrashAtAsync(string process, string point, int after)
    {
        using var http = new HttpClient();
        try
        {
            using var armed = await http.PostAsync(
                new Uri($"http://127.0.0.1:{Ports[process].Management}/admin/faults/crash"),
                System.Net.Http.Json.JsonContent.Create(new { point, after }));
            armed.EnsureSuccessStatusCode();
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            // Armed, and the point passed `after` times before the answer left (a busy service under load): the process
            // killed itself with the answer unsent. The scenario goes on as if the answer had come; anything else fails.
            if (!await WaitForExitOfAsync(process, TimeSpan.FromSeconds(10)))
            {
                throw;
            }
        }
    }

    public Task<bool> WaitForExitAsync(string process, TimeSpan timeout) => WaitForExitOfAsync(process, timeout);

    async Task IFaultPlatform.RestartAsync(string process)
    {
        if (process != "rabbitmq")
        {
            throw new NotSupportedException("Only the broker restarts cleanly here; services are killed (KillAsync) and started again.");
        }

        await Broker.StopAsync();
        await Broker.StartAgainAsync();
    }

    public async Task<string> RabbitMqCtlAsync(params string[] arguments)
    {
        var (exitCode, output) = await Broker.CtlAsync(arguments);
        return exitCode == 0 ? output : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed ({exitCode}):\n{output}");
    }

    protected override void Configure(string name, Dictionary<string, string?> environment)
    {
        // The kill-* scenarios arm crash points (POST /admin/faults/crash on the management port).
        environment["Faults__Enabled"] = "true";

        if (name == "gateway")
        {
            // The suite's captures and their checks are one key's traffic: no per-key limit in the way.
            environment["Gateway__RateLimit__PermitsPerSecond"] = "100000";
            environment["Gateway__RateLimit__Burst"] = "100000";
        }

        if (name == "messaging")
        {
            // The claim a killed Messaging leaves is taken over when its lease ends: 10 s here instead of 45 s, so
            // kill-messaging does not spend most of its run waiting.
            environment["Sending__Timeout"] = "00:00:08";
            environment["Sending__ClaimLease"] = "00:00:10";
        }
    }
}
