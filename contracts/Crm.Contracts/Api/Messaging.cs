namespace Crm.Contracts.Api.Messaging;

/// <summary>A message the platform sent to a contact.</summary>
public sealed record MessageResponse
{
    /// <summary>The message's id.</summary>
    public required string Id { get; init; }

    /// <summary>The contact it was sent to.</summary>
    public required string ContactId { get; init; }

    /// <summary>The lead it is about, if any.</summary>
    public string? LeadId { get; init; }

    /// <summary>The channel it went out on.</summary>
    public required Channel Channel { get; init; }

    /// <summary>The template it was rendered from (e.g. welcome).</summary>
    public required string Template { get; init; }

    /// <summary>The address it was sent to (e-mail address or E.164 number).</summary>
    public required string To { get; init; }

    /// <summary>The subject line (e-mail).</summary>
    public required string Subject { get; init; }

    /// <summary>sent (handed to the SMTP server), picked-up (written to the local pickup folder), skipped (the contact has no address), suppressed (the contact's consent forbids it: do-not-contact, or the channel withdrawn) or failed (not sent: see reason).</summary>
    public required string Status { get; init; }

    /// <summary>Why a failed message was not sent: template (its template lacked a variable's value, or there was no template).</summary>
    public string? Reason { get; init; }

    /// <summary>When it left the platform (UTC).</summary>
    public required DateTimeOffset SentAt { get; init; }
}
