using System.Text.Json;

namespace Crm.Contracts.Api.Contacts;

/// <summary>
/// A GDPR export (art. 15 and 20, <c>GET /api/contacts/{id}/export</c>): everything every service holds about the
/// person, gathered at <see cref="GeneratedAt"/>. Complete or not at all: a service that does not answer makes the
/// export a 503, never a document without its part.
/// </summary>
public sealed record ContactExportResponse
{
    public required string ContactId { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>By service: contacts, leads, assignment, messaging, analytics (each one present).</summary>
    public required IReadOnlyDictionary<string, ServicePersonalData> Services { get; init; }
}

/// <summary>What one service holds about the person.</summary>
public sealed record ServicePersonalData
{
    /// <summary>
    /// By kind of record (contacts: contact, identities, consent, consentLedger, orders, summary, timeline, owners;
    /// leads: leads, signals; assignment: assignments; messaging: messages, erasures; analytics: none), each a JSON array
    /// of the records as the service stores them (camelCase, enums as lower-case strings, UTC times). Every kind the
    /// service keeps is listed, also when empty.
    /// </summary>
    public required IReadOnlyDictionary<string, JsonElement> Records { get; init; }

    /// <summary>What the service keeps about people in general (e.g. Analytics: nothing); never personal data.</summary>
    public string? Note { get; init; }

    /// <summary>The kinds with more records than one export returns (1000 per kind); empty as a rule.</summary>
    public IReadOnlyList<string> Truncated { get; init; } = [];
}
