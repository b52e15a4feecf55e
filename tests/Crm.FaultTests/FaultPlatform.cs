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
        if (name == "gateway")
        {
            // The suite's captures and their checks are one key's traffic: no per-key limit in the way.
            environment["Gateway__RateLimit__PermitsPerSecond"] = "100000";
            environment["Gateway__RateLimit__Burst"] = "100000";
        }
    }
}
