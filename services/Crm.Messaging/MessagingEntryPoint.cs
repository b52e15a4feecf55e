namespace Crm.Messaging;

/// <summary>Marker for <c>WebApplicationFactory&lt;MessagingEntryPoint&gt;</c> in tests.</summary>
public sealed class MessagingEntryPoint;
