namespace Crm.Analytics;

/// <summary>Marker for <c>WebApplicationFactory&lt;AnalyticsEntryPoint&gt;</c> in tests.</summary>
public sealed class AnalyticsEntryPoint;
