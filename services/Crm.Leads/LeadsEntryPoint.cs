namespace Crm.Leads;

/// <summary>Marker for <c>WebApplicationFactory&lt;LeadsEntryPoint&gt;</c> in tests.</summary>
public sealed class LeadsEntryPoint;
