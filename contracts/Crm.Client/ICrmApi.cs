using Crm.Contracts.Api;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Api.Messaging;
using Refit;

namespace Crm.Client;

/// <summary>The public API as the gateway exposes it. Errors surface as <see cref="ApiException"/> with a ProblemDetails body.</summary>
public interface ICrmApi
{
    [Post("/api/leads")]
    Task<IApiResponse<LeadResponse>> CaptureLeadAsync([Body] CaptureLeadRequest request, [Header("Idempotency-Key")] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    [Get("/api/leads/{id}")]
    Task<IApiResponse<LeadResponse>> GetLeadAsync(string id, CancellationToken cancellationToken = default);

    [Get("/api/contacts/{id}")]
    Task<IApiResponse<ContactResponse>> GetContactAsync(string id, CancellationToken cancellationToken = default);

    [Post("/api/assignment/reps")]
    Task<IApiResponse<RepResponse>> CreateRepAsync([Body] CreateRepRequest request, CancellationToken cancellationToken = default);

    [Get("/api/assignment/reps")]
    Task<IApiResponse<Page<RepResponse>>> ListRepsAsync(CancellationToken cancellationToken = default);

    [Get("/api/assignment/reps/{id}")]
    Task<IApiResponse<RepResponse>> GetRepAsync(string id, CancellationToken cancellationToken = default);

    [Patch("/api/assignment/reps/{id}")]
    Task<IApiResponse<RepResponse>> UpdateRepAsync(string id, [Body] UpdateRepRequest request, CancellationToken cancellationToken = default);

    [Get("/api/assignment/leads/{leadId}")]
    Task<IApiResponse<LeadAssignmentResponse>> GetLeadAssignmentAsync(string leadId, CancellationToken cancellationToken = default);

    [Get("/api/messaging/messages")]
    Task<IApiResponse<Page<MessageResponse>>> ListMessagesAsync([Query] string? contactId = null, [Query] string? leadId = null, CancellationToken cancellationToken = default);

    [Get("/api/analytics/summary")]
    Task<IApiResponse<SummaryResponse>> GetAnalyticsSummaryAsync([Query] string? from = null, [Query] string? to = null, CancellationToken cancellationToken = default);
}
