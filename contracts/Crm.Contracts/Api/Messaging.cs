namespace Crm.Contracts.Api.Messaging;

public sealed record MessageResponse
{
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    public string? LeadId { get; init; }
    public required Channel Channel { get; init; }
    public required string Template { get; init; }
    public required string To { get; init; }
    public required string Subject { get; init; }
    /// <summary>sent (handed to the SMTP server) or picked-up (written to the local pickup folder).</summary>
    public required string Status { get; init; }
    public required DateTimeOffset SentAt { get; init; }
}
