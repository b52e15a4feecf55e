namespace Crm.Contracts.Messaging;

/// <summary>A message left the platform (handed to the SMTP server or the provider, or dropped in the pickup folder).</summary>
public sealed record MessageSent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string MessageId { get; init; }
    public required string ContactId { get; init; }
    public string? LeadId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    public required string Template { get; init; }
    public required string To { get; init; }
}
