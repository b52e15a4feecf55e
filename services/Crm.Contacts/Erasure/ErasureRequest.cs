using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Erasure;

/// <summary>
/// A person's request to be forgotten (a document of <c>erasure_requests</c>, id = the request id): which services must
/// confirm (<see cref="Services"/>), which did (<see cref="Confirmations"/>, from their <c>ContactDataErased</c>), and the
/// deadline after which a request still missing confirmations is overdue.
/// </summary>
public sealed record ErasureRequest : IDocument
{
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
    public required Actor RequestedBy { get; init; }
    public required DateTimeOffset Deadline { get; init; }
    public IReadOnlyList<string> Services { get; init; } = [];
    public IReadOnlyList<ErasureConfirmation> Confirmations { get; init; } = [];
    public long Version { get; init; } = 1;

    public IEnumerable<string> Missing => Services.Where(s => Confirmations.All(c => c.Service != s));

    /// <summary>completed (every service confirmed), overdue (past the deadline without), or pending.</summary>
    public string StatusAt(DateTimeOffset now) => !Missing.Any() ? "completed" : now > Deadline ? "overdue" : "pending";

    /// <summary>With <paramref name="service"/>'s confirmation; null when it had confirmed already (the first one stands).</summary>
    public ErasureRequest? Confirmed(string service, DateTimeOffset at, int records) =>
        Confirmations.Any(c => c.Service == service)
            ? null
            : this with { Confirmations = [.. Confirmations, new ErasureConfirmation(service, at, records)], Version = Version + 1 };

    private int Rank(string service)
    {
        for (var i = 0; i < Services.Count; i++)
        {
            if (Services[i] == service)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    public ErasureResponse ToResponse(DateTimeOffset now) => new()
    {
        RequestId = Id,
        ContactId = ContactId,
        Status = StatusAt(now),
        RequestedAt = RequestedAt,
        RequestedBy = RequestedBy,
        Deadline = Deadline,
        // In the order of the services asked (not of arrival, which retries of concurrent confirmations reorder).
        Confirmations = [.. Confirmations.OrderBy(c => Rank(c.Service)).ThenBy(c => c.At).Select(c => new ErasureConfirmationResponse { Service = c.Service, At = c.At, Records = c.Records })],
        Missing = [.. Missing],
    };
}

/// <summary>One service's confirmation: when, and how many of its records it erased or anonymised.</summary>
public sealed record ErasureConfirmation(string Service, DateTimeOffset At, int Records);

/// <summary>
/// A contact that was erased (a document of <c>erased_contacts</c>, id = the contact's id): events about it that arrive
/// later (a replay, a late delivery) add nothing to the timeline, the owners or the summary.
/// </summary>
public sealed record ErasedContact : IDocument
{
    public required string Id { get; init; }
    public required string RequestId { get; init; }
    public required DateTimeOffset ErasedAt { get; init; }
    public long Version { get; init; } = 1;
}

/// <summary>The erasure collections.</summary>
public static class ErasureCollections
{
    /// <summary>Read by id (the request id) only.</summary>
    public static readonly DocumentCollection<ErasureRequest> Requests = new("erasure_requests");

    /// <summary>Read by id (the contact id) only.</summary>
    public static readonly DocumentCollection<ErasedContact> Erased = new("erased_contacts");

    public static readonly IDocumentCollection[] All = [Requests, Erased];

    /// <summary>Whether <paramref name="contactId"/> was erased (consumers check it before writing anything about the contact).</summary>
    public static async Task<bool> IsErasedAsync(UnitOfWork unit, string contactId, CancellationToken cancellationToken) =>
        await unit.GetAsync(Erased, contactId, cancellationToken) is not null;

    /// <summary>Which of <paramref name="contactIds"/> were erased.</summary>
    public static async Task<HashSet<string>> ErasedAmongAsync(UnitOfWork unit, IEnumerable<string> contactIds, CancellationToken cancellationToken) =>
        [.. (await unit.GetManyAsync(Erased, contactIds.Distinct(StringComparer.Ordinal), cancellationToken)).Select(e => e.Id)];
}
