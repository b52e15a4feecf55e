namespace Crm.ServiceDefaults.Hosting;

/// <summary>
/// The ports a service listens on (config section <c>Ports</c>): REST over HTTP/1.1, gRPC over h2c on its own
/// port (0 = the service serves no gRPC), health and metrics on a management port the gateway never routes.
/// </summary>
public sealed class ServicePorts
{
    public const string Section = "Ports";

    public int Http { get; set; } = 8080;
    public int Grpc { get; set; }
    public int Management { get; set; } = 8090;
    /// <summary>Address to bind; <c>*</c> (default) binds every interface, <c>127.0.0.1</c> only loopback.</summary>
    public string Bind { get; set; } = "*";
}
