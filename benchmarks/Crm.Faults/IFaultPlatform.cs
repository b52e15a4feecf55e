namespace Crm.Faults;

/// <summary>
/// A running platform the fault suite can hurt: <c>./crm up</c> driven through the script (the benchmark), or real
/// processes started by a test fixture (the reduced run in <c>./crm test</c>). Process names: <c>contacts</c>,
/// <c>leads</c>, <c>assignment</c>, <c>messaging</c>, <c>analytics</c>, <c>rabbitmq</c>.
/// </summary>
public interface IFaultPlatform
{
    /// <summary>The gateway's HTTP address.</summary>
    Uri Gateway { get; }

    /// <summary>An API key with every admin scope.</summary>
    string ApiKey { get; }

    /// <summary>The folder of the services' SQLite files (<c>{service}.db</c>).</summary>
    string DataDirectory { get; }

    /// <summary>The folder the welcome e-mails end in, one file each (a pickup folder or a Maildir's <c>new/</c>).</summary>
    string MailFolder { get; }

    /// <summary>The RabbitMQ node every process uses.</summary>
    Uri AmqpUri { get; }

    /// <summary>SIGKILLs one process (with its children), as a crash would.</summary>
    Task KillAsync(string process);

    /// <summary>
    /// Arms a crash point in a service (its management port's <c>POST /admin/faults/crash</c>; the service runs with
    /// <c>Faults:Enabled=true</c>): it SIGKILLs itself the <paramref name="after"/>-th time it reaches <paramref name="point"/>.
    /// </summary>
    Task CrashAtAsync(string process, string point, int after);

    /// <summary>Waits until the process has exited: true, or false when it still runs after <paramref name="timeout"/>.</summary>
    Task<bool> WaitForExitAsync(string process, TimeSpan timeout);

    /// <summary>Starts a killed process again (same ports, store and settings) and waits until it is ready.</summary>
    Task StartAsync(string process);

    /// <summary>Stops one process cleanly and starts it again, waiting until it is ready.</summary>
    Task RestartAsync(string process);

    /// <summary>Starts a second process of a service: the same store file and queues, other ports; waits until it is ready.</summary>
    Task StartReplicaAsync(string service);

    /// <summary>Stops the second process of a service.</summary>
    Task StopReplicaAsync(string service);

    /// <summary>Runs <c>rabbitmqctl</c> against the node and returns what it printed.</summary>
    Task<string> RabbitMqCtlAsync(params string[] arguments);
}
