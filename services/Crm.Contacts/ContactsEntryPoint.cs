namespace Crm.Contacts;

/// <summary>Marker for <c>WebApplicationFactory&lt;ContactsEntryPoint&gt;</c> in tests.</summary>
public sealed class ContactsEntryPoint;
