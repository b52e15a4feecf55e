namespace Crm.Contracts.Api.Contacts;

/// <summary>A GDPR erasure request and who confirmed it (<c>POST /api/contacts/{id}/erasure</c>, <c>GET /api/contacts/erasures/{requestId}</c>).</summary>
public sealed record ErasureResponse
{
    public required string RequestId { get; init; }

    public required string ContactId { get; init; }

    /// <summary>pending, completed (every service confirmed) or overdue (past the deadline, some service has not).</summary>
    public required string Status { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    public required Crm.Contracts.Audit.Actor RequestedBy { get; init; }

    /// <summary>When every service should have confirmed.</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>The services that confirmed, first confirmation each.</summary>
    public required IReadOnlyList<ErasureConfirmationResponse> Confirmations { get; init; }

    /// <summary>The services that have not confirmed yet.</summary>
    public required IReadOnlyList<string> Missing { get; init; }
}

/// <summary>One service's confirmation of an erasure.</summary>
public sealed record ErasureConfirmationResponse
{
    /// <summary>contacts, leads, assignment, messaging, analytics.</summary>
    public required string Service { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>How many of its records it erased or anonymised.</summary>
    public int Records { get; init; }
}
