namespace Crm.Assignment;

/// <summary>Marker for <c>WebApplicationFactory&lt;AssignmentEntryPoint&gt;</c> in tests.</summary>
public sealed class AssignmentEntryPoint;
