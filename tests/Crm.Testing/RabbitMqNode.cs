using System.Net.Sockets;

namespace Crm.Testing;

/// <summary>
/// A private RabbitMQ node (Debian's rabbitmq-server, run from /usr/lib/rabbitmq/bin with its own ports, data
/// folder and Erlang cookie, listening on loopback only) so tests never share a broker. Stopped with rabbitmqctl and
/// its process tree killed.
/// </summary>
public sealed class RabbitMqNode : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private readonly TempDirectory _home;
    private readonly Dictionary<string, string?> _environment;
    private ProcessHost _server;

    private RabbitMqNode(TempDirectory home, Dictionary<string, string?> environment, ProcessHost server, int port)
    {
        _home = home;
        _environment = environment;
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The Erlang distribution port of the node.</summary>
    public int DistributionPort => Port + 20000;

    /// <summary>The port of the node's own epmd.</summary>
    public int EpmdPort => Port + 10000;

    public string AmqpUri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public string Output => _server.Output;

    public static bool IsInstalled => File.Exists(Path.Combine(Bin, "rabbitmq-server"));

    /// <summary>
    /// The node's rabbitmq-env.conf: epmd, Erlang distribution and the CLI tools' distribution port on loopback only
    /// (like `./crm broker-up`).
    /// </summary>
    public static string EnvironmentConfig =>
        "ERL_EPMD_ADDRESS=127.0.0.1\n"
        + "SERVER_ADDITIONAL_ERL_ARGS=\"-kernel inet_dist_use_interface {127,0,0,1}\"\n"
        + "CTL_ERL_ARGS=\"-kernel inet_dist_use_interface {127,0,0,1}\"\n";

    /// <summary>
    /// The node's rabbitmq.conf: AMQP on loopback only; guest (what the tests connect as) keeps RabbitMQ's default of
    /// logging in from loopback only.
    /// </summary>
    public static string Config(int port) => $"listeners.tcp.local = 127.0.0.1:{port}\n";

    public static async Task<RabbitMqNode> StartAsync(TimeSpan? timeout = null)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException("rabbitmq-server is not installed: run 'apt-get install -y rabbitmq-server' (the README's test command does).");
        }

        var port = FreePort.InRange(21000, 29000);
        var home = new TempDirectory("crm-rabbit");
        Directory.CreateDirectory(home.Combine("mnesia"));
        Directory.CreateDirectory(home.Combine("log"));
        await File.WriteAllTextAsync(home.Combine("rabbitmq.conf"), Config(port));
        await File.WriteAllTextAsync(home.Combine("enabled_plugins"), "[].\n");
        await File.WriteAllTextAsync(home.Combine("rabbitmq-env.conf"), EnvironmentConfig);
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = home.Path,
            ["RABBITMQ_NODENAME"] = $"crmtest{port}@localhost",
            ["RABBITMQ_NODE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = (port + 20000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ERL_EPMD_PORT"] = (port + 10000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = home.Combine("mnesia"),
            ["RABBITMQ_LOG_BASE"] = home.Combine("log"),
            ["RABBITMQ_CONFIG_FILE"] = home.Combine("rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = home.Combine("enabled_plugins"),
            ["RABBITMQ_CONF_ENV_FILE"] = home.Combine("rabbitmq-env.conf"),
            ["RABBITMQ_LOGS"] = "-",
        };
        var server = ProcessHost.Start("rabbitmq", Path.Combine(Bin, "rabbitmq-server"), [], environment);
        var node = new RabbitMqNode(home, environment, server, port);
        try
        {
            await node.WaitForAmqpAsync(timeout ?? TimeSpan.FromSeconds(90));
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILLs the node (its whole process tree), as a crash would; <see cref="StartAgainAsync"/> brings it back.</summary>
    public async Task KillAsync() => await _server.DisposeAsync();

    /// <summary>Stops the node cleanly (<c>rabbitmqctl shutdown</c>); <see cref="StartAgainAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        if (!_server.HasExited)
        {
            await CtlAsync("-q", "shutdown");
        }

        await _server.DisposeAsync();
    }

    /// <summary>Starts the stopped or killed node again: the same port, data folder (durable queues and messages) and cookie.</summary>
    public async Task StartAgainAsync(TimeSpan? timeout = null)
    {
        if (!_server.HasExited)
        {
            throw new InvalidOperationException("The node is running.");
        }

        await _server.DisposeAsync();
        _server = ProcessHost.Start("rabbitmq", Path.Combine(Bin, "rabbitmq-server"), [], _environment);
        await WaitForAmqpAsync(timeout ?? TimeSpan.FromSeconds(90));
    }

    private Task WaitForAmqpAsync(TimeSpan timeout) =>
        Poll.UntilAsync(
            async () =>
            {
                if (_server.HasExited)
                {
                    throw new InvalidOperationException("rabbitmq-server exited:\n" + _server.Output);
                }

                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return true;
            },
            $"RabbitMQ to accept AMQP connections on port {Port}",
            timeout);

    /// <summary>Runs <c>rabbitmqctl</c> against this node (e.g. <c>list_queues name type</c>).</summary>
    public Task<(int ExitCode, string Output)> CtlAsync(params string[] arguments) =>
        ProcessHost.RunAsync(Path.Combine(Bin, "rabbitmqctl"), arguments, _environment, TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_server.HasExited)
            {
                await ProcessHost.RunAsync(Path.Combine(Bin, "rabbitmqctl"), ["-q", "shutdown"], _environment, TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Killed below.
        }

        await _server.DisposeAsync();
        try
        {
            await ProcessHost.RunAsync("epmd", ["-port", _environment["ERL_EPMD_PORT"]!, "-kill"], _environment, TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        _home.Dispose();
    }
}
