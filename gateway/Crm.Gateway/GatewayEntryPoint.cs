namespace Crm.Gateway;

/// <summary>Marker for <c>WebApplicationFactory&lt;GatewayEntryPoint&gt;</c> in tests.</summary>
public sealed class GatewayEntryPoint;
