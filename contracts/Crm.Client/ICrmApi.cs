using Crm.Contracts.Api;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Api.Gateway;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Api.Operations;
using Refit;

namespace Crm.Client;

/// <summary>
/// The CRM platform's public API as the gateway exposes it (<c>/api/&lt;service&gt;/...</c>). Create it with
/// <see cref="CrmClient.Create(CrmClientOptions, HttpMessageHandler?)"/> or register it with
/// <see cref="CrmClientRegistration.AddCrmClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{CrmClientOptions})"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every method returns an <see cref="IApiResponse{T}"/> and does not throw for HTTP errors: check
/// <see cref="IApiResponse.IsSuccessStatusCode"/>, read <see cref="IApiResponse{T}.Content"/> on success, and on failure
/// <see cref="IApiResponse.Error"/> (an <see cref="ApiException"/>) or <see cref="CrmResponses.GetProblem(IApiResponse)"/>
/// for the RFC 9457 ProblemDetails (<c>title</c>, <c>detail</c>, field <c>errors</c>).
/// <see cref="CrmResponses.EnsureSuccess{T}(IApiResponse{T})"/> returns the content or throws.
/// </para>
/// <para>
/// Errors common to every call: <c>401</c> without a valid API key or token, <c>403</c> when the credential lacks the
/// scope, <c>429</c> when the key's rate limit is exhausted and <c>503</c> when a service is unavailable (both retried
/// by the client after <c>Retry-After</c>, see <see cref="CrmRetryOptions"/>). A connection failure that outlasts the
/// retries allowed for the request is not thrown either: the response has no <see cref="IApiResponse.StatusCode"/> and
/// its <see cref="IApiResponse.Error"/> is an <see cref="ApiRequestException"/> wrapping the <see cref="HttpRequestException"/>.
/// </para>
/// </remarks>
public interface ICrmApi
{
    /// <summary>
    /// <c>POST /api/leads</c>: captures a lead. The platform resolves the person behind it (one contact per e-mail or
    /// phone), scores it and assigns it to a rep asynchronously; the answer is <c>201 Created</c> with the stored lead, or
    /// <c>202 Accepted</c> when the contacts service could not answer (the lead is stored with <c>ContactPending</c> and a
    /// null <c>ContactId</c>, and resolved, scored and assigned once it answers).
    /// </summary>
    /// <param name="request">The lead: a <c>source</c> and at least one of e-mail and phone.</param>
    /// <param name="idempotencyKey">
    /// <c>Idempotency-Key</c> (1 to 200 characters). A repeat with the same key and body answers the first response
    /// instead of creating a second lead. When null the client generates one per call and sends the same key on every
    /// retry of that call; pass your own (e.g. your system's id of the form submission) to stay safe across
    /// process restarts too.
    /// </param>
    /// <param name="cancellationToken">Cancels the call, including any wait between retries.</param>
    /// <returns>
    /// <c>201</c> or <c>202</c> with the lead (the first answer replayed for a repeated key). Errors: <c>400</c> with
    /// field errors (missing source, neither e-mail nor phone, unknown JSON properties, an invalid key), <c>409</c> when
    /// the key was used before with another body, <c>413</c> for a body over 1 MiB, <c>503</c> with <c>Retry-After</c>
    /// when the gateway cannot reach Leads (retried).
    /// </returns>
    [Post("/api/leads")]
    Task<IApiResponse<LeadResponse>> CaptureLeadAsync([Body] CaptureLeadRequest request, [Header("Idempotency-Key")] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/{id}</c>: a lead with its score, score breakdown and owner (once assigned).</summary>
    /// <param name="id">The lead id returned by <see cref="CaptureLeadAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the lead. Errors: <c>404</c> when there is no such lead.</returns>
    [Get("/api/leads/{id}")]
    Task<IApiResponse<LeadResponse>> GetLeadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/leads/batch</c>: captures up to 1,000 leads, each exactly as <see cref="CaptureLeadAsync"/> would, on its
    /// own: the answer holds one result per item (<c>status</c> 201, 202, 200 or 400 with its <c>errors</c>), never
    /// all-or-nothing. At most 1,000 items and 8 MiB.
    /// </summary>
    /// <param name="request">The items, in order.</param>
    /// <param name="idempotencyKey">
    /// <c>Idempotency-Key</c>: a repeat with the same key and body replays the first answer. When null the client generates
    /// one per call (the same on every retry of that call).
    /// </param>
    /// <param name="cancellationToken">Cancels the call, including any wait between retries.</param>
    /// <returns><c>200</c> with the results. Errors: <c>400</c> (no items or too many, unknown properties), <c>409</c> (key reused with another body), <c>413</c>.</returns>
    [Post("/api/leads/batch")]
    Task<IApiResponse<BatchCaptureResponse>> CaptureLeadBatchAsync([Body] BatchCaptureRequest request, [Header("Idempotency-Key")] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/leads</c>: lists and searches leads, one page at a time (filters combined). A rep sees only their own
    /// leads, a team lead their team's and their own.
    /// </summary>
    /// <param name="stage">A stage key.</param>
    /// <param name="pipeline">A pipeline id.</param>
    /// <param name="status"><c>open</c>, <c>won</c> or <c>lost</c>.</param>
    /// <param name="grade"><c>hot</c>, <c>warm</c> or <c>cold</c>.</param>
    /// <param name="owner">The owning rep's id.</param>
    /// <param name="team">The owning team's id.</param>
    /// <param name="source">The capture source.</param>
    /// <param name="channel">The channel (<c>web</c>, <c>ads</c>, ...).</param>
    /// <param name="campaign">The campaign.</param>
    /// <param name="contactId">The contact's id.</param>
    /// <param name="createdFrom">Captured at or after (ISO-8601).</param>
    /// <param name="createdTo">Captured before (ISO-8601).</param>
    /// <param name="scoreMin">Score at least (inclusive).</param>
    /// <param name="scoreMax">Score at most (inclusive).</param>
    /// <param name="sort"><c>-capturedAt</c> (default), <c>capturedAt</c>, <c>-score</c> or <c>score</c>.</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page (same filters); null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c> naming each bad or unknown filter.</returns>
    [Get("/api/leads")]
    Task<IApiResponse<Page<LeadResponse>>> ListLeadsAsync([Query] string? stage = null, [Query] string? pipeline = null, [Query] string? status = null, [Query] string? grade = null, [Query] string? owner = null, [Query] string? team = null, [Query] string? source = null, [Query] string? channel = null, [Query] string? campaign = null, [Query] string? contactId = null, [Query] string? createdFrom = null, [Query] string? createdTo = null, [Query] int? scoreMin = null, [Query] int? scoreMax = null, [Query] string? sort = null, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>PATCH /api/leads/{id}</c>: changes the members set in <paramref name="request"/> (merge patch: members left null are
    /// not sent and stay as they are; <c>Fields</c> merged per key, a null value removes a key). Name, e-mail and phone belong
    /// to the contact (<see cref="UpdateContactAsync"/>).
    /// </summary>
    /// <param name="id">The lead id.</param>
    /// <param name="request">The members to change.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before (the <c>ETag</c> of <see cref="GetLeadAsync"/>); null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the lead. Errors: <c>400</c> naming every bad field, <c>404</c>, <c>412</c> for a stale version.</returns>
    [Patch("/api/leads/{id}")]
    Task<IApiResponse<LeadResponse>> UpdateLeadAsync(string id, [Body] UpdateLeadRequest request, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH /api/leads/{id}</c> with a raw merge patch, for clearing members (<c>{ "campaign": null }</c>); otherwise as <see cref="UpdateLeadAsync"/>.</summary>
    /// <param name="id">The lead id.</param>
    /// <param name="patch">The JSON merge patch.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>As <see cref="UpdateLeadAsync"/>.</returns>
    [Patch("/api/leads/{id}")]
    Task<IApiResponse<LeadResponse>> PatchLeadAsync(string id, [Body] System.Text.Json.Nodes.JsonObject patch, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/leads/signals</c>: records up to 1,000 behavioural signals (page views, e-mail clicks...). Each names its
    /// lead by <c>leadId</c>, or the person by <c>email</c>, <c>phone</c> or <c>externalId</c>; the leads touched are scored
    /// again at once. A signal id already recorded by the caller (within 30 days) is not counted again, so a retry is safe.
    /// </summary>
    /// <param name="request">The signals.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with one result per signal (202 recorded, 200 already recorded, 404 no such lead, 400 with its errors). Errors: <c>400</c> for no or too many items.</returns>
    [Post("/api/leads/signals")]
    Task<IApiResponse<RecordSignalsResponse>> RecordSignalsAsync([Body] RecordSignalsRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/leads/{id}/stage</c>: moves an open lead to another stage of its pipeline, when the move is allowed and the current stage's exit criteria are met.</summary>
    /// <param name="id">The lead id.</param>
    /// <param name="request">The stage to move to.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the lead. Errors: <c>400</c>, <c>404</c>, <c>409</c> (closed lead), <c>422</c> (move not allowed or exit criteria missing, listed).</returns>
    [Post("/api/leads/{id}/stage")]
    Task<IApiResponse<LeadResponse>> MoveLeadStageAsync(string id, [Body] MoveStageRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/leads/{id}/won</c>: closes the lead as won, optionally with the deal's value.</summary>
    /// <param name="id">The lead id.</param>
    /// <param name="request">The deal's value (optional).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the lead. Errors: <c>400</c>, <c>404</c>, <c>422</c> (not allowed from the current stage, or its exit criteria are missing).</returns>
    [Post("/api/leads/{id}/won")]
    Task<IApiResponse<LeadResponse>> WinLeadAsync(string id, [Body] WinLeadRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/leads/{id}/lost</c>: closes the lead as lost with one of the pipeline's lost reasons.</summary>
    /// <param name="id">The lead id.</param>
    /// <param name="request">Reason and note.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the lead. Errors: <c>400</c> (a reason not in the pipeline's <c>lostReasons</c>), <c>404</c>, <c>422</c> (the lead cannot be closed now).</returns>
    [Post("/api/leads/{id}/lost")]
    Task<IApiResponse<LeadResponse>> LoseLeadAsync(string id, [Body] LoseLeadRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/leads/{id}/reopen</c>: reopens a won or lost lead, in the stage it was closed in or the one named.</summary>
    /// <param name="id">The lead id.</param>
    /// <param name="request">The stage to reopen in (optional).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the lead. Errors: <c>400</c>, <c>404</c>, <c>409</c> (the contact has another open lead in the pipeline), <c>422</c> (the lead cannot be reopened there).</returns>
    [Post("/api/leads/{id}/reopen")]
    Task<IApiResponse<LeadResponse>> ReopenLeadAsync(string id, [Body] ReopenLeadRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/leads/{id}/activities</c>: logs a call, an e-mail, a meeting, a quote sent, a note... (exit criteria count activities by type).</summary>
    /// <param name="id">The lead id.</param>
    /// <param name="request">Type, time and note.</param>
    /// <param name="idempotencyKey">
    /// <c>Idempotency-Key</c> (e.g. the telephony system's call id): a repeat is answered as the first time and logs nothing
    /// again. When null the client generates one per call (the same on every retry of that call).
    /// </param>
    /// <param name="cancellationToken">Cancels the call, including any wait between retries.</param>
    /// <returns><c>201</c> with the activity. Errors: <c>400</c> naming every bad field, <c>404</c>, <c>409</c> (key reused with another body or lead).</returns>
    [Post("/api/leads/{id}/activities")]
    Task<IApiResponse<LeadActivity>> LogLeadActivityAsync(string id, [Body] LogActivityRequest request, [Header("Idempotency-Key")] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/pipelines</c>: every pipeline in its current version.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the pipelines.</returns>
    [Get("/api/leads/pipelines")]
    Task<IApiResponse<Page<PipelineDefinition>>> ListPipelinesAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/pipelines/{id}</c>: a pipeline's current version (the <c>ETag</c> header carries it).</summary>
    /// <param name="id">The pipeline id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the pipeline. Errors: <c>404</c>.</returns>
    [Get("/api/leads/pipelines/{id}")]
    Task<IApiResponse<PipelineDefinition>> GetPipelineAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/pipelines/{id}/versions/{version}</c>: a saved version of a pipeline (every version is kept).</summary>
    /// <param name="id">The pipeline id.</param>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with that version. Errors: <c>404</c>.</returns>
    [Get("/api/leads/pipelines/{id}/versions/{version}")]
    Task<IApiResponse<PipelineDefinition>> GetPipelineVersionAsync(string id, long version, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/leads/pipelines/{id}</c>: creates a pipeline or saves a new version of it (needs <c>leads:admin</c>).</summary>
    /// <param name="id">The pipeline id (lower-case kebab).</param>
    /// <param name="definition">Stages, moves and exit criteria.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>201</c> (created) or <c>200</c> with the pipeline. Errors: <c>400</c> naming every bad field, <c>403</c>, <c>409</c> (a removed stage still holds leads), <c>412</c>.</returns>
    [Put("/api/leads/pipelines/{id}")]
    Task<IApiResponse<PipelineDefinition>> SavePipelineAsync(string id, [Body] PipelineDefinition definition, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/scoring-rules</c>: the scoring rules in force (the <c>ETag</c> header carries their version).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the rules.</returns>
    [Get("/api/leads/scoring-rules")]
    Task<IApiResponse<ScoringRuleSet>> GetScoringRulesAsync(CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/leads/scoring-rules</c>: saves a new version of the scoring rules and rescores every open lead in the background (needs <c>leads:admin</c>).</summary>
    /// <param name="rules">The rules.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>202</c> with the rescore job (<see cref="GetRescoreJobAsync"/>). Errors: <c>400</c> naming every bad field, <c>403</c>, <c>412</c>.</returns>
    [Put("/api/leads/scoring-rules")]
    Task<IApiResponse<RescoreJobResponse>> SaveScoringRulesAsync([Body] ScoringRuleSet rules, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/scoring-rules/rescores/{id}</c>: the progress of a rescore.</summary>
    /// <param name="id">The job id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the job. Errors: <c>404</c>.</returns>
    [Get("/api/leads/scoring-rules/rescores/{id}")]
    Task<IApiResponse<RescoreJobResponse>> GetRescoreJobAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/{id}/score-history</c>: how a lead's score moved, newest first, one page at a time.</summary>
    /// <param name="id">The lead id.</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c>, <c>404</c>.</returns>
    [Get("/api/leads/{id}/score-history")]
    Task<IApiResponse<Page<ScoreHistoryEntry>>> GetScoreHistoryAsync(string id, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/prediction-model</c>: the predictive conversion model (when trained, on how many closed leads, its quality and weights).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the model.</returns>
    [Get("/api/leads/prediction-model")]
    Task<IApiResponse<PredictionModelResponse>> GetPredictionModelAsync(CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/leads/prediction-model/train</c>: trains the model now on the closed leads (needs <c>leads:admin</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>202</c> with the model. Errors: <c>403</c>.</returns>
    [Post("/api/leads/prediction-model/train")]
    Task<IApiResponse<PredictionModelResponse>> TrainPredictionModelAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/leads/{id}/prediction</c>: the lead's predicted chance to be won, with the factors behind it.</summary>
    /// <param name="id">The lead id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the prediction. Errors: <c>404</c>.</returns>
    [Get("/api/leads/{id}/prediction")]
    Task<IApiResponse<LeadPredictionResponse>> GetLeadPredictionAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/{id}</c>: a contact (the person behind leads) with its newest 100 timeline entries.</summary>
    /// <param name="id">The contact id, e.g. <see cref="LeadResponse.ContactId"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the contact. Errors: <c>404</c> when there is no such contact.</returns>
    [Get("/api/contacts/{id}")]
    Task<IApiResponse<ContactResponse>> GetContactAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/contacts</c>: contacts newest first, one page at a time. <paramref name="q"/> matches a contact when one of
    /// its identifiers equals it after normalisation (e-mail, phone, external id) or its name starts with it (case-insensitive).
    /// </summary>
    /// <param name="q">An e-mail, a phone, an external id's value, or the start of a name.</param>
    /// <param name="tag">One tag (case-insensitive).</param>
    /// <param name="lifecycleStage">subscriber, lead, opportunity, customer or churned.</param>
    /// <param name="country">ISO 3166-1 alpha-2 (<c>DE</c>).</param>
    /// <param name="createdFrom">Created at or after (ISO-8601).</param>
    /// <param name="createdTo">Created before (ISO-8601).</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page (same filters); null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page (items without timeline). Errors: <c>400</c> naming each bad or unknown parameter.</returns>
    [Get("/api/contacts")]
    Task<IApiResponse<Page<ContactResponse>>> ListContactsAsync([Query] string? q = null, [Query] string? tag = null, [Query] string? lifecycleStage = null, [Query] string? country = null, [Query] string? createdFrom = null, [Query] string? createdTo = null, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>PATCH /api/contacts/{id}</c>: changes the members set in <paramref name="request"/> (merge patch; members left null
    /// are not sent and stay as they are). Lists are replaced whole (the first e-mail and phone are the primary ones).
    /// </summary>
    /// <param name="id">The contact id.</param>
    /// <param name="request">The members to change.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before (<c>"3"</c>); null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <c>200</c> with the contact (<c>ETag</c>: its version). Errors: <c>400</c> naming every bad field, <c>404</c>, <c>409</c>
    /// when an e-mail, phone or external id belongs to another contact (naming the field), <c>412</c> for a stale version.
    /// </returns>
    [Patch("/api/contacts/{id}")]
    Task<IApiResponse<ContactResponse>> UpdateContactAsync(string id, [Body] UpdateContactRequest request, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH /api/contacts/{id}</c> with a raw merge patch, for clearing members (<c>{ "locale": null }</c>); otherwise as <see cref="UpdateContactAsync"/>.</summary>
    /// <param name="id">The contact id.</param>
    /// <param name="patch">The JSON merge patch.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>As <see cref="UpdateContactAsync"/>.</returns>
    [Patch("/api/contacts/{id}")]
    Task<IApiResponse<ContactResponse>> PatchContactAsync(string id, [Body] System.Text.Json.Nodes.JsonObject patch, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/field-definitions</c>: the custom fields of contacts (the <c>ETag</c> header carries their version).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the definitions.</returns>
    [Get("/api/contacts/field-definitions")]
    Task<IApiResponse<ContactFieldDefinitionsDocument>> GetContactFieldDefinitionsAsync(CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/contacts/field-definitions</c>: replaces every custom field definition (needs <c>contacts:admin</c>).</summary>
    /// <param name="definitions">The definitions.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the stored definitions. Errors: <c>400</c> naming every bad member, <c>403</c>, <c>412</c>.</returns>
    [Put("/api/contacts/field-definitions")]
    Task<IApiResponse<ContactFieldDefinitionsDocument>> SetContactFieldDefinitionsAsync([Body] ContactFieldDefinitionsDocument definitions, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/contacts/{id}/consent</c>: the contact's consent per channel (<c>email</c>, <c>sms</c>, <c>whatsapp</c>,
    /// <c>phone</c>; a channel not listed is unknown), the global do-not-contact flag and one page of the ledger of
    /// every change, newest first.
    /// </summary>
    /// <param name="id">The contact id.</param>
    /// <param name="limit">Ledger entries per page, 1 to 500 (default 50).</param>
    /// <param name="cursor">The previous page's <c>Ledger.NextCursor</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the consent. Errors: <c>400</c> for a bad limit or cursor, <c>404</c> when there is no such contact (or the caller may not see it).</returns>
    [Get("/api/contacts/{id}/consent")]
    Task<IApiResponse<ConsentResponse>> GetContactConsentAsync(string id, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/contacts/{id}/consent</c>: grants or withdraws one or several channels (<c>Status</c> <c>granted</c> or
    /// <c>withdrawn</c>: withdrawing is the same call) and/or sets or clears do-not-contact, in one commit; each change is
    /// kept in the ledger and published as <c>ConsentChanged</c>. Needs <c>contacts:write</c>.
    /// </summary>
    /// <param name="id">The contact id.</param>
    /// <param name="request">The channels' changes and/or <c>DoNotContact</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <c>200</c> with the consent after the change. Errors: <c>400</c> naming every bad field, <c>404</c> when there is no
    /// such contact. Not retried after a connection failure (a repeat would add a second ledger entry, with the same state).
    /// </returns>
    [Post("/api/contacts/{id}/consent")]
    Task<IApiResponse<ConsentResponse>> ChangeContactConsentAsync(string id, [Body] ChangeConsentRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/contacts/{id}/orders</c>: reports an order of the contact (shops, points of sale; needs
    /// <c>contacts:write</c>). One order per contact and reference: a repeat is a 409 naming the order recorded, so a
    /// retry after a connection failure is safe.
    /// </summary>
    /// <param name="id">The contact id.</param>
    /// <param name="request">Reference, amount, channel, placedAt, items.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>201</c> with the order. Errors: <c>400</c> naming every bad field, <c>404</c>, <c>409</c> (already recorded).</returns>
    [Post("/api/contacts/{id}/orders")]
    Task<IApiResponse<OrderResponse>> PlaceOrderAsync(string id, [Body] PlaceOrderRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/{id}/orders</c>: the contact's orders, newest placed first, one page at a time.</summary>
    /// <param name="id">The contact id.</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c>, <c>404</c>.</returns>
    [Get("/api/contacts/{id}/orders")]
    Task<IApiResponse<Page<OrderResponse>>> ListOrdersAsync(string id, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/{id}/summary</c>: orders, totals and average order value per currency, last message and interaction, RFM scores and loyalty tier as of now.</summary>
    /// <param name="id">The contact id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the summary. Errors: <c>404</c>.</returns>
    [Get("/api/contacts/{id}/summary")]
    Task<IApiResponse<CustomerSummaryResponse>> GetCustomerSummaryAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/loyalty-rules</c>: RFM thresholds and tiers (the <c>ETag</c> header carries their version).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the rules.</returns>
    [Get("/api/contacts/loyalty-rules")]
    Task<IApiResponse<LoyaltyRulesDocument>> GetLoyaltyRulesAsync(CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/contacts/loyalty-rules</c>: replaces the RFM thresholds and tiers (needs <c>contacts:admin</c>).</summary>
    /// <param name="rules">The rules.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the stored rules. Errors: <c>400</c> naming every bad field, <c>403</c>, <c>412</c>.</returns>
    [Put("/api/contacts/loyalty-rules")]
    Task<IApiResponse<LoyaltyRulesDocument>> SetLoyaltyRulesAsync([Body] LoyaltyRulesDocument rules, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/contacts/{id}/erasure</c>: erases the person (GDPR art. 17): Contacts at once, every other service on
    /// <c>ContactErasureRequested</c>, each confirming. Needs <c>contacts:admin</c>.
    /// </summary>
    /// <param name="id">The contact id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>202</c> with the request (<c>Location</c> names its status). Errors: <c>403</c>, <c>404</c> (unknown or already erased).</returns>
    [Post("/api/contacts/{id}/erasure")]
    Task<IApiResponse<ErasureResponse>> RequestContactErasureAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/erasures/{requestId}</c>: an erasure's status (pending, completed, overdue), confirmations and the services missing.</summary>
    /// <param name="requestId">The request id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the request. Errors: <c>403</c>, <c>404</c>.</returns>
    [Get("/api/contacts/erasures/{requestId}")]
    Task<IApiResponse<ErasureResponse>> GetContactErasureAsync(string requestId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/contacts/duplicates</c>: possible duplicates for review, conflicts first, then by score. Managers,
    /// administrators and API keys only.
    /// </summary>
    /// <param name="status"><c>open</c> (default) or <c>dismissed</c>.</param>
    /// <param name="minScore">0..1; conflicts always pass.</param>
    /// <param name="limit">1..500 (default 50).</param>
    /// <param name="cursor">The previous page's <c>nextCursor</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c> naming every bad filter, <c>403</c>.</returns>
    [Get("/api/contacts/duplicates")]
    Task<IApiResponse<Page<DuplicateCandidateResponse>>> ListDuplicateCandidatesAsync(string? status = null, double? minScore = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/{id}/duplicates</c>: the contact's open possible duplicates.</summary>
    /// <param name="id">The contact's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the pairs. Errors: <c>404</c>.</returns>
    [Get("/api/contacts/{id}/duplicates")]
    Task<IApiResponse<IReadOnlyList<DuplicateCandidateResponse>>> ListContactDuplicatesAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/contacts/duplicates/{pairId}/dismiss</c>: the pair is two people; not proposed again.</summary>
    /// <param name="pairId">The pair's id (<c>&lt;contactA&gt;~&lt;contactB&gt;</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the pair. Errors: <c>403</c>, <c>404</c>.</returns>
    [Post("/api/contacts/duplicates/{pairId}/dismiss")]
    Task<IApiResponse<DuplicateCandidateResponse>> DismissDuplicateCandidateAsync(string pairId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/contacts/imports</c>: uploads a CSV file (streamed; header row first) to import contacts in the
    /// background. Needs <c>contacts:write</c>. Pass the file as <c>new StreamContent(stream)</c> with the content type
    /// <c>text/csv</c>; columns map to fields by their header names or by <paramref name="map"/>.
    /// </summary>
    /// <param name="csv">The file, content type <c>text/csv</c>.</param>
    /// <param name="map"><c>Column:field</c> entries (<c>Mobile:phone</c>, <c>CustomerNo:externalId:shop</c>, <c>Notes:ignore</c>).</param>
    /// <param name="defaultRegion">Region for phone numbers without a country code.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>202</c> with the job (<c>Location</c>). Errors: <c>400</c> naming every mapping problem (nothing stored), <c>403</c>, <c>413</c>, <c>415</c>.</returns>
    [Post("/api/contacts/imports")]
    Task<IApiResponse<ImportJobResponse>> ImportContactsAsync([Body] HttpContent csv, [Query(CollectionFormat.Multi)] IEnumerable<string>? map = null, [Query] string? defaultRegion = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/imports/{id}</c>: an import's status, progress and counts (API keys, managers and admins).</summary>
    /// <param name="id">The import id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the job. Errors: <c>403</c>, <c>404</c>.</returns>
    [Get("/api/contacts/imports/{id}")]
    Task<IApiResponse<ImportJobResponse>> GetContactImportAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/imports</c>: imports, newest first.</summary>
    /// <param name="limit">1 to 500, default 50.</param>
    /// <param name="cursor"><c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c>, <c>403</c>.</returns>
    [Get("/api/contacts/imports")]
    Task<IApiResponse<Page<ImportJobResponse>>> ListContactImportsAsync([Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/imports/{id}/errors</c>: the error report as CSV (<c>row,column,reason</c>), streamed; read the response's content.</summary>
    /// <param name="id">The import id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response (<c>200</c> text/csv; <c>403</c>, <c>404</c>).</returns>
    [Get("/api/contacts/imports/{id}/errors")]
    Task<HttpResponseMessage> GetContactImportErrorsAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/contacts/segments</c>: defines a live segment (a rule over profile, consent, summary and RFM); its
    /// membership is built in the background (<c>status: building</c>, then <c>live</c>). Needs <c>contacts:admin</c>.
    /// </summary>
    /// <param name="request">Name, optional description and the rule.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>201</c> with the segment. Errors: <c>400</c> naming every bad field and rule node (<c>rule.all[1].value</c>), <c>403</c>.</returns>
    [Post("/api/contacts/segments")]
    Task<IApiResponse<SegmentResponse>> CreateSegmentAsync([Body] SegmentRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/segments</c>: every segment with its member count and status.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the segments.</returns>
    [Get("/api/contacts/segments")]
    Task<IApiResponse<Page<SegmentResponse>>> ListSegmentsAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/segments/{segmentId}</c>: one segment (the <c>ETag</c> header carries its version).</summary>
    /// <param name="segmentId">The segment id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the segment. Errors: <c>404</c>.</returns>
    [Get("/api/contacts/segments/{segmentId}")]
    Task<IApiResponse<SegmentResponse>> GetSegmentAsync(string segmentId, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/contacts/segments/{segmentId}</c>: replaces a segment's name, description and rule and builds its membership again. Needs <c>contacts:admin</c>.</summary>
    /// <param name="segmentId">The segment id.</param>
    /// <param name="request">The new definition.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the segment. Errors: <c>400</c>, <c>403</c>, <c>404</c>, <c>412</c>.</returns>
    [Put("/api/contacts/segments/{segmentId}")]
    Task<IApiResponse<SegmentResponse>> ReplaceSegmentAsync(string segmentId, [Body] SegmentRequest request, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/contacts/segments/{segmentId}</c>: removes a segment and its memberships. Needs <c>contacts:admin</c>.</summary>
    /// <param name="segmentId">The segment id.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>204</c>. Errors: <c>403</c>, <c>404</c>, <c>412</c>.</returns>
    [Delete("/api/contacts/segments/{segmentId}")]
    Task<IApiResponse> DeleteSegmentAsync(string segmentId, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/contacts/segments/preview</c>: how many contacts a rule selects now and a few of them; nothing stored. Needs <c>contacts:admin</c>.</summary>
    /// <param name="request">The rule.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the count and sample ids. Errors: <c>400</c>, <c>403</c>.</returns>
    [Post("/api/contacts/segments/preview")]
    Task<IApiResponse<SegmentPreviewResponse>> PreviewSegmentAsync([Body] SegmentPreviewRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/segments/{segmentId}/members</c>: the members in contact id order with the time each joined, one page.</summary>
    /// <param name="segmentId">The segment id.</param>
    /// <param name="limit">1..500 (default 50).</param>
    /// <param name="cursor"><c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with one page. Errors: <c>400</c>, <c>404</c>.</returns>
    [Get("/api/contacts/segments/{segmentId}/members")]
    Task<IApiResponse<Page<SegmentMemberResponse>>> ListSegmentMembersAsync(string segmentId, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/contacts/{id}/export</c>: everything every service holds about the person (GDPR art. 15 and 20), one
    /// document gathered from all five services. Needs <c>contacts:admin</c>.
    /// </summary>
    /// <param name="id">The contact id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <c>200</c> with the document. Errors: <c>403</c>, <c>404</c> (unknown), <c>410</c> (erased: the problem names the
    /// erasure request), <c>503</c> (a service did not answer in time; the problem's <c>services</c> names them — try again).
    /// </returns>
    [Get("/api/contacts/{id}/export")]
    Task<IApiResponse<ContactExportResponse>> ExportContactAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/contacts/merges</c>: merges <c>mergedIds</c> into <c>survivorId</c> (profile by the merge rules or the
    /// request's <c>fields</c> choices; identities, orders, timeline, consent and owners moved; <c>ContactsMerged</c>
    /// re-keys every service). Needs <c>contacts:admin</c>.
    /// </summary>
    /// <param name="request">The survivor, the merged contacts and optional per-field choices.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>201</c> with the merge. Errors: <c>400</c> naming every bad field, <c>403</c>, <c>404</c> (unknown contact), <c>409</c> (erased, already merged, or a survivor of a standing merge named as merged).</returns>
    [Post("/api/contacts/merges")]
    Task<IApiResponse<MergeResponse>> MergeContactsAsync([Body] CreateMergeRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/merges/{id}</c>: a merge (who, when, the survivor's profile, <c>undoneAt</c>).</summary>
    /// <param name="id">The merge id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the merge. Errors: <c>403</c>, <c>404</c>.</returns>
    [Get("/api/contacts/merges/{id}")]
    Task<IApiResponse<MergeResponse>> GetContactMergeAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/merges?contactId=</c>: the merges a contact took part in, newest first.</summary>
    /// <param name="contactId">The contact id (survivor or merged).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the merges. Errors: <c>400</c>, <c>403</c>.</returns>
    [Get("/api/contacts/merges")]
    Task<IApiResponse<Page<MergeResponse>>> ListContactMergesAsync([Query] string contactId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/contacts/merges/{id}/undo</c>: un-merge: the merged contacts come back as they were, with what the merge
    /// moved (<c>ContactsUnmerged</c> moves it back in every service). Needs <c>contacts:admin</c>.
    /// </summary>
    /// <param name="id">The merge id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the merge (<c>undoneAt</c> set). Errors: <c>403</c>, <c>404</c>, <c>409</c> (already undone).</returns>
    [Post("/api/contacts/merges/{id}/undo")]
    Task<IApiResponse<MergeResponse>> UndoContactMergeAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/contacts/merge-rules</c>: the survivorship rules per field (the <c>ETag</c> header carries their version).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the rules.</returns>
    [Get("/api/contacts/merge-rules")]
    Task<IApiResponse<MergeRulesDocument>> GetMergeRulesAsync(CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/contacts/merge-rules</c>: replaces the survivorship rules. Needs <c>contacts:admin</c>.</summary>
    /// <param name="rules">Field → <c>mostRecent</c>, <c>survivor</c> or <c>oldest</c>.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the stored rules. Errors: <c>400</c> naming every bad field, <c>403</c>, <c>412</c>.</returns>
    [Put("/api/contacts/merge-rules")]
    Task<IApiResponse<MergeRulesDocument>> SetMergeRulesAsync([Body] MergeRulesDocument rules, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/assignment/reps</c>: creates an active sales rep who takes leads up to a capacity.</summary>
    /// <param name="request">Name (required, trimmed) and capacity (required, 1 to 10000 open leads).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <c>201</c> with the rep (its version is also the <c>ETag</c> header). Errors: <c>400</c> with field errors.
    /// This endpoint takes no <c>Idempotency-Key</c>, so a connection failure is not retried (it could create two reps).
    /// </returns>
    [Post("/api/assignment/reps")]
    Task<IApiResponse<RepResponse>> CreateRepAsync([Body] CreateRepRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/reps</c>: reps in creation order, one page at a time.</summary>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c> for a limit out of range or a cursor of another list.</returns>
    [Get("/api/assignment/reps")]
    Task<IApiResponse<Page<RepResponse>>> ListRepsAsync([Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/reps/{id}</c>: one rep with its open leads; the <c>ETag</c> header carries its version.</summary>
    /// <param name="id">The rep id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the rep. Errors: <c>404</c> when there is no such rep.</returns>
    [Get("/api/assignment/reps/{id}")]
    Task<IApiResponse<RepResponse>> GetRepAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>PATCH /api/assignment/reps/{id}</c>: changes a rep's name, capacity or active flag (merge patch: a null
    /// property is left unchanged). Deactivating a rep stops new assignments to them.
    /// </summary>
    /// <param name="id">The rep id.</param>
    /// <param name="request">The properties to change.</param>
    /// <param name="ifMatch">
    /// Optional <c>If-Match</c> with the version read before (<c>"3"</c>, as in the <c>ETag</c> header, or <c>3</c>):
    /// the update is applied only if the rep is still at that version. <c>*</c> or null: any version.
    /// </param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <c>200</c> with the updated rep. Errors: <c>400</c> with field errors, <c>404</c> when there is no such rep,
    /// <c>412</c> when <paramref name="ifMatch"/> names another version (read the rep again and retry).
    /// </returns>
    [Patch("/api/assignment/reps/{id}")]
    Task<IApiResponse<RepResponse>> UpdateRepAsync(string id, [Body] UpdateRepRequest request, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/assignment/reps/{id}/presence</c>: available, away or offline (only an available rep is given new leads).</summary>
    /// <param name="id">The rep id.</param>
    /// <param name="request">The presence.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <c>200</c> with the rep. Errors: <c>400</c> without a known presence, <c>404</c> when there is no such rep or it is
    /// not the caller's (a rep sets their own, a team lead their team's).
    /// </returns>
    [Put("/api/assignment/reps/{id}/presence")]
    Task<IApiResponse<RepResponse>> SetRepPresenceAsync(string id, [Body] SetPresenceRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/leads/{leadId}</c>: where a lead stands in assignment (assigned with its rep, or in the backlog).</summary>
    /// <param name="leadId">The lead id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <c>200</c> with the assignment. Errors: <c>404</c> while assignment has not yet seen the scored lead (it
    /// arrives asynchronously a moment after capture: poll).
    /// </returns>
    [Get("/api/assignment/leads/{leadId}")]
    Task<IApiResponse<LeadAssignmentResponse>> GetLeadAssignmentAsync(string leadId, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/backlog</c>: leads waiting for a free rep, in the order they will be served.</summary>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c> for a limit out of range or a cursor of another list.</returns>
    [Get("/api/assignment/backlog")]
    Task<IApiResponse<Page<LeadAssignmentResponse>>> ListBacklogAsync([Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/rules</c>: the ordered assignment rules and lead units.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the rules (the defaults while none are set); <c>ETag</c> is their version.</returns>
    [Get("/api/assignment/rules")]
    Task<IApiResponse<AssignmentRulesDocument>> GetAssignmentRulesAsync(CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/assignment/rules</c>: replaces the assignment rules (administration).</summary>
    /// <param name="rules">The rules in order and the lead units.</param>
    /// <param name="ifMatch">Replace only this version (from <c>ETag</c>); null: any.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the rules. Errors: <c>400</c> naming every bad field, <c>412</c> when stale.</returns>
    [Put("/api/assignment/rules")]
    Task<IApiResponse<AssignmentRulesDocument>> SetAssignmentRulesAsync([Body] AssignmentRulesDocument rules, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/assignment/reps/{id}/working-hours</c>: a rep's weekly shifts and holidays in their time zone.</summary>
    /// <param name="id">The rep id.</param>
    /// <param name="hours">Time zone, shifts and holidays.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the rep. Errors: <c>400</c> naming every bad field, <c>404</c> for an unknown rep.</returns>
    [Put("/api/assignment/reps/{id}/working-hours")]
    Task<IApiResponse<RepResponse>> SetRepWorkingHoursAsync(string id, [Body] WorkingHoursDocument hours, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/reps/{id}/queue</c>: the rep's next best actions, in the order to do them.</summary>
    /// <param name="id">The rep id.</param>
    /// <param name="limit">At most this many items (server default 50, at most 500).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the queue. Errors: <c>404</c> for an unknown rep or one the caller does not see.</returns>
    [Get("/api/assignment/reps/{id}/queue")]
    Task<IApiResponse<WorkQueueResponse>> GetWorkQueueAsync(string id, [Query] int? limit = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/reps/{id}/notifications</c>: the rep's notifications, newest first.</summary>
    /// <param name="id">The rep id.</param>
    /// <param name="unread">true: only the unread ones.</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>404</c> for an unknown rep or one the caller does not see.</returns>
    [Get("/api/assignment/reps/{id}/notifications")]
    Task<IApiResponse<Page<NotificationResponse>>> ListNotificationsAsync(string id, [Query] bool? unread = null, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/assignment/reps/{id}/working-hours</c>: removes a rep's working hours (the rep is then always on shift).</summary>
    /// <param name="id">The rep id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the rep. Errors: <c>404</c> for an unknown rep.</returns>
    [Delete("/api/assignment/reps/{id}/working-hours")]
    Task<IApiResponse<RepResponse>> ClearRepWorkingHoursAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/assignment/reps/{id}/notifications/{notificationId}/read</c>: marks one of the rep's notifications read (repeating it changes nothing).</summary>
    /// <param name="id">The rep id.</param>
    /// <param name="notificationId">The notification id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the notification. Errors: <c>404</c> for an unknown rep or notification, or one the caller does not see.</returns>
    [Post("/api/assignment/reps/{id}/notifications/{notificationId}/read")]
    Task<IApiResponse<NotificationResponse>> MarkNotificationReadAsync(string id, string notificationId, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/sla-policies</c>: the SLA policies (first response times per grade and channel...; the <c>ETag</c> header carries their version).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the policies.</returns>
    [Get("/api/assignment/sla-policies")]
    Task<IApiResponse<SlaPoliciesDocument>> GetSlaPoliciesAsync(CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/assignment/sla-policies</c>: replaces the SLA policies (needs <c>assignment:admin</c>).</summary>
    /// <param name="policies">The policies.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the stored policies. Errors: <c>400</c> naming every bad field, <c>403</c>, <c>412</c>.</returns>
    [Put("/api/assignment/sla-policies")]
    Task<IApiResponse<SlaPoliciesDocument>> SetSlaPoliciesAsync([Body] SlaPoliciesDocument policies, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/assignment/teams/{id}</c>: creates or replaces a team (needs <c>assignment:admin</c>).</summary>
    /// <param name="id">The team id.</param>
    /// <param name="request">The team.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the team. Errors: <c>400</c> naming every bad field, <c>403</c>.</returns>
    [Put("/api/assignment/teams/{id}")]
    Task<IApiResponse<TeamResponse>> SaveTeamAsync(string id, [Body] TeamRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/teams</c>: the teams, one page at a time.</summary>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c> for a limit out of range or a cursor of another list.</returns>
    [Get("/api/assignment/teams")]
    Task<IApiResponse<Page<TeamResponse>>> ListTeamsAsync([Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/assignment/teams/{id}</c>: one team.</summary>
    /// <param name="id">The team id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the team. Errors: <c>404</c>.</returns>
    [Get("/api/assignment/teams/{id}")]
    Task<IApiResponse<TeamResponse>> GetTeamAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/messages</c>: messages sent to contacts (welcome e-mails...), newest first.</summary>
    /// <param name="contactId">Only messages to this contact.</param>
    /// <param name="leadId">Only messages about this lead.</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page (same filters); null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c> for a limit out of range or a cursor of another list.</returns>
    [Get("/api/messaging/messages")]
    Task<IApiResponse<Page<MessageResponse>>> ListMessagesAsync([Query] string? contactId = null, [Query] string? leadId = null, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/messages</c>: sends a template to a contact on a channel (e-mail, SMS, WhatsApp); consent is checked at send time. Needs <c>messaging:write</c>.</summary>
    /// <param name="message">Contact, channel, template, optional lead, locale, purpose and variables.</param>
    /// <param name="idempotencyKey">Optional <c>Idempotency-Key</c>; the client sends a new one when null, the same on every retry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>202</c> with the message (status <c>queued</c>). Errors: <c>400</c> naming every bad field, <c>403</c>, <c>409</c> (the key was used with another body), <c>422</c> (a contact Contacts does not know).</returns>
    [Post("/api/messaging/messages")]
    Task<IApiResponse<MessageResponse>> SendMessageAsync([Body] SendMessageRequest message, [Header("Idempotency-Key")] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/messages/batch</c>: sends up to 1,000 messages at once, each as <see cref="SendMessageAsync"/> would (a result per item). Needs <c>messaging:write</c>.</summary>
    /// <param name="batch">The messages (1 to 1,000).</param>
    /// <param name="idempotencyKey">Optional <c>Idempotency-Key</c>; the client sends a new one when null, the same on every retry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with one result per item (<c>202</c> with the message id, <c>400</c> with its errors, <c>422</c> unknown contact). Errors: <c>400</c> for no items, more than 1,000 or malformed JSON, <c>403</c>, <c>409</c> (the key was used with another body).</returns>
    [Post("/api/messaging/messages/batch")]
    Task<IApiResponse<SendMessageBatchResponse>> SendMessageBatchAsync([Body] SendMessageBatchRequest batch, [Header("Idempotency-Key")] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/messages/{id}</c>: one message or logged call (a rep or team lead: only theirs).</summary>
    /// <param name="id">The message's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the message. Errors: <c>404</c> (unknown, or not the caller's).</returns>
    [Get("/api/messaging/messages/{id}")]
    Task<IApiResponse<MessageResponse>> GetMessageAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/calls</c>: logs a phone call from the telephony system as a message on channel <c>phone</c> (publishes <c>CallLogged</c>). Needs <c>messaging:write</c>.</summary>
    /// <param name="call">Contact id (or phone), lead, direction, start, duration, outcome, rep, recording URL and the telephony system's call id.</param>
    /// <param name="idempotencyKey">Optional <c>Idempotency-Key</c>; the client sends a new one when null, the same on every retry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>201</c> with the call as a message; <c>200</c> when the <c>providerCallId</c> was logged before. Errors: <c>400</c> naming every bad field, <c>403</c>, <c>409</c> (the call id was logged with other details, or the key used with another body), <c>422</c> (unknown contact), <c>503</c> (a phone alone while Contacts is down).</returns>
    [Post("/api/messaging/calls")]
    Task<IApiResponse<MessageResponse>> LogCallAsync([Body] LogCallRequest call, [Header("Idempotency-Key")] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/messaging/suppressions/{address}</c>: lets e-mails go again to an address that hard-bounced. Needs <c>messaging:admin</c>.</summary>
    /// <param name="address">The e-mail address.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>204</c>. Errors: <c>404</c> when the address is not suppressed.</returns>
    [Delete("/api/messaging/suppressions/{address}")]
    Task<IApiResponse> ClearEmailSuppressionAsync(string address, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/templates</c>: the message templates (stored ones and the built-in defaults), optionally of one key.</summary>
    /// <param name="key">Only the templates of this key (e.g. <c>welcome</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c> for a malformed key.</returns>
    [Get("/api/messaging/templates")]
    Task<IApiResponse<Page<MessageTemplateResponse>>> ListMessageTemplatesAsync([Query] string? key = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/templates/{key}/{channel}/{locale}</c>: one template (the <c>ETag</c> header carries its version; a built-in default is version 0).</summary>
    /// <param name="key">The template's key (e.g. <c>welcome</c>).</param>
    /// <param name="channel"><c>email</c>, <c>sms</c> or <c>whatsapp</c>.</param>
    /// <param name="locale">BCP 47 locale (e.g. <c>en</c>, <c>pt-BR</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the template. Errors: <c>404</c>.</returns>
    [Get("/api/messaging/templates/{key}/{channel}/{locale}")]
    Task<IApiResponse<MessageTemplateResponse>> GetMessageTemplateAsync(string key, string channel, string locale, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/messaging/templates/{key}/{channel}/{locale}</c>: creates or replaces a template (Liquid). Needs <c>messaging:admin</c>.</summary>
    /// <param name="key">The template's key.</param>
    /// <param name="channel"><c>email</c>, <c>sms</c> or <c>whatsapp</c>.</param>
    /// <param name="locale">BCP 47 locale.</param>
    /// <param name="template">Subject (e-mail), body, purpose and, for WhatsApp, the approved provider template.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the stored template. Errors: <c>400</c> naming every bad field (Liquid errors with line and column, unknown variables), <c>403</c>, <c>404</c>, <c>412</c>.</returns>
    [Put("/api/messaging/templates/{key}/{channel}/{locale}")]
    Task<IApiResponse<MessageTemplateResponse>> SetMessageTemplateAsync(string key, string channel, string locale, [Body] MessageTemplateRequest template, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/messaging/templates/{key}/{channel}/{locale}</c>: deletes a stored template (a built-in default then applies again). Needs <c>messaging:admin</c>.</summary>
    /// <param name="key">The template's key.</param>
    /// <param name="channel"><c>email</c>, <c>sms</c> or <c>whatsapp</c>.</param>
    /// <param name="locale">BCP 47 locale.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>204</c>. Errors: <c>403</c>, <c>404</c>, <c>412</c>.</returns>
    [Delete("/api/messaging/templates/{key}/{channel}/{locale}")]
    Task<IApiResponse> DeleteMessageTemplateAsync(string key, string channel, string locale, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/templates/{key}/preview</c>: renders a template for a contact or for given variables, in the locale the fallback picks.</summary>
    /// <param name="key">The template's key.</param>
    /// <param name="preview">Channel, optional locale, contact id or variables.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with subject, body and the locale used. Errors: <c>400</c>, <c>403</c>, <c>404</c>, <c>422</c> listing every missing variable.</returns>
    [Post("/api/messaging/templates/{key}/preview")]
    Task<IApiResponse<TemplatePreviewResponse>> PreviewMessageTemplateAsync(string key, [Body] TemplatePreviewRequest preview, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/webhooks</c>: subscribes a partner URL to public events. Needs <c>messaging:admin</c>.</summary>
    /// <param name="subscription">URL (https, public address), event types, description, optional secret (generated when absent).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>201</c> with the subscription and its secret (shown only here and on rotation). Errors: <c>400</c> naming every bad field, <c>403</c>.</returns>
    [Post("/api/messaging/webhooks")]
    Task<IApiResponse<WebhookSubscriptionResponse>> CreateWebhookSubscriptionAsync([Body] WebhookSubscriptionRequest subscription, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/webhooks</c>: the webhook subscriptions (secrets never shown).</summary>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c>, <c>403</c>.</returns>
    [Get("/api/messaging/webhooks")]
    Task<IApiResponse<Page<WebhookSubscriptionResponse>>> ListWebhookSubscriptionsAsync([Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/webhooks/{id}</c>: one subscription (the <c>ETag</c> header carries its version).</summary>
    /// <param name="id">The subscription id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the subscription. Errors: <c>403</c>, <c>404</c>.</returns>
    [Get("/api/messaging/webhooks/{id}")]
    Task<IApiResponse<WebhookSubscriptionResponse>> GetWebhookSubscriptionAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH /api/messaging/webhooks/{id}</c>: changes URL, event types, description, or pauses / resumes (<c>active</c>).</summary>
    /// <param name="id">The subscription id.</param>
    /// <param name="patch">The members to change (absent: unchanged).</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before; null or <c>*</c>: any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the subscription. Errors: <c>400</c> naming every bad field, <c>403</c>, <c>404</c>, <c>412</c>.</returns>
    [Patch("/api/messaging/webhooks/{id}")]
    Task<IApiResponse<WebhookSubscriptionResponse>> UpdateWebhookSubscriptionAsync(string id, [Body] WebhookSubscriptionPatch patch, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/messaging/webhooks/{id}</c>: ends a subscription (its pending deliveries are not sent).</summary>
    /// <param name="id">The subscription id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>204</c>. Errors: <c>403</c>, <c>404</c>.</returns>
    [Delete("/api/messaging/webhooks/{id}")]
    Task<IApiResponse> DeleteWebhookSubscriptionAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/webhooks/{id}/rotate-secret</c>: a new signing secret, shown once in the answer.</summary>
    /// <param name="id">The subscription id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the subscription and its new secret. Errors: <c>403</c>, <c>404</c>.</returns>
    [Post("/api/messaging/webhooks/{id}/rotate-secret")]
    Task<IApiResponse<WebhookSubscriptionResponse>> RotateWebhookSecretAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/webhooks/{id}/deliveries</c>: the delivery log of a subscription, newest first.</summary>
    /// <param name="id">The subscription id.</param>
    /// <param name="status"><c>pending</c>, <c>delivered</c> or <c>failed</c>; null for all.</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page. Errors: <c>400</c>, <c>403</c>, <c>404</c>.</returns>
    [Get("/api/messaging/webhooks/{id}/deliveries")]
    Task<IApiResponse<Page<WebhookDeliveryResponse>>> ListWebhookDeliveriesAsync(string id, [Query] string? status = null, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/webhooks/deliveries/{deliveryId}</c>: one delivery with every attempt (status code, duration, error).</summary>
    /// <param name="deliveryId">The delivery id (also its <c>Webhook-Id</c> header).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the delivery. Errors: <c>403</c>, <c>404</c>.</returns>
    [Get("/api/messaging/webhooks/deliveries/{deliveryId}")]
    Task<IApiResponse<WebhookDeliveryResponse>> GetWebhookDeliveryAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/webhooks/deliveries/{deliveryId}/replay</c>: sends a delivery again now, under the same <c>Webhook-Id</c>.</summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the delivery and its new attempt. Errors: <c>403</c>, <c>404</c>.</returns>
    [Post("/api/messaging/webhooks/deliveries/{deliveryId}/replay")]
    Task<IApiResponse<WebhookDeliveryResponse>> ReplayWebhookDeliveryAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/conversations</c>: conversations (a thread per contact and channel), newest first; a rep gets their own, a team lead their team's.</summary>
    /// <param name="status"><c>open</c>, <c>pending</c> or <c>resolved</c>; null for all.</param>
    /// <param name="channel"><c>email</c>, <c>sms</c> or <c>whatsapp</c>; null for all.</param>
    /// <param name="owner">Only this rep's conversations.</param>
    /// <param name="contactId">Only this contact's conversations.</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page (same filters); null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page (without messages). Errors: <c>400</c> naming every bad parameter.</returns>
    [Get("/api/messaging/conversations")]
    Task<IApiResponse<Page<ConversationResponse>>> ListConversationsAsync([Query] string? status = null, [Query] string? channel = null, [Query] string? owner = null, [Query] string? contactId = null, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/conversations/{id}</c>: one conversation with its messages both ways, its times, first-contact resolution and CSAT score.</summary>
    /// <param name="id">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the conversation. Errors: <c>404</c> (unknown, or not the caller's).</returns>
    [Get("/api/messaging/conversations/{id}")]
    Task<IApiResponse<ConversationResponse>> GetConversationAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/conversations/{id}/replies</c>: queues a reply on the conversation's channel (sent through the send path). Needs <c>messaging:write</c>.</summary>
    /// <param name="id">The conversation id.</param>
    /// <param name="reply">The text.</param>
    /// <param name="idempotencyKey">Optional <c>Idempotency-Key</c>; the client sends a new one when null, the same on every retry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>202</c> with the queued message. Errors: <c>400</c>, <c>403</c>, <c>404</c>, <c>409</c> (the key was used with another body).</returns>
    [Post("/api/messaging/conversations/{id}/replies")]
    Task<IApiResponse<MessageResponse>> ReplyToConversationAsync(string id, [Body] ConversationReplyRequest reply, [Header("Idempotency-Key")] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/conversations/{id}/resolve</c>: resolves it and sends the CSAT survey. Needs <c>messaging:write</c>.</summary>
    /// <param name="id">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the conversation. Errors: <c>403</c>, <c>404</c>, <c>409</c> (resolved already).</returns>
    [Post("/api/messaging/conversations/{id}/resolve")]
    Task<IApiResponse<ConversationResponse>> ResolveConversationAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/conversations/{id}/reopen</c>: opens a resolved conversation again. Needs <c>messaging:write</c>.</summary>
    /// <param name="id">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the conversation. Errors: <c>403</c>, <c>404</c>, <c>409</c> (not resolved).</returns>
    [Post("/api/messaging/conversations/{id}/reopen")]
    Task<IApiResponse<ConversationResponse>> ReopenConversationAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/messaging/conversations/{id}/owner</c>: gives the conversation to a rep, or unassigns it (team leads within their team, managers, admins).</summary>
    /// <param name="id">The conversation id.</param>
    /// <param name="owner">The rep and their team; a null rep unassigns.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the conversation. Errors: <c>400</c>, <c>403</c>, <c>404</c>.</returns>
    [Put("/api/messaging/conversations/{id}/owner")]
    Task<IApiResponse<ConversationResponse>> AssignConversationAsync(string id, [Body] ConversationOwnerRequest owner, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/conversations/{id}/csat</c>: records the contact's score 1-5 from a web survey. Needs <c>messaging:write</c>.</summary>
    /// <param name="id">The conversation id.</param>
    /// <param name="csat">The score.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the conversation. Errors: <c>400</c>, <c>403</c>, <c>404</c>, <c>409</c> (not resolved, or scored already).</returns>
    [Post("/api/messaging/conversations/{id}/csat")]
    Task<IApiResponse<ConversationResponse>> RecordConversationCsatAsync(string id, [Body] ConversationCsatRequest csat, CancellationToken cancellationToken = default);
    /// <summary><c>GET /api/messaging/journeys</c>: every journey (stored, and the defaults no stored one replaces).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the journeys. Errors: <c>403</c>.</returns>
    [Get("/api/messaging/journeys")]
    Task<IApiResponse<Page<JourneyResponse>>> ListJourneysAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/journeys/{id}</c>: a journey's current version (the <c>ETag</c> header carries it).</summary>
    /// <param name="id">The journey id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the journey. Errors: <c>403</c>, <c>404</c>.</returns>
    [Get("/api/messaging/journeys/{id}")]
    Task<IApiResponse<JourneyResponse>> GetJourneyAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/messaging/journeys/{id}</c>: stores a new version of a journey (new enrollments run it). Needs <c>messaging:write</c>.</summary>
    /// <param name="id">The journey id.</param>
    /// <param name="journey">Name, trigger, steps, stop conditions, re-entry.</param>
    /// <param name="ifMatch">Optional <c>If-Match</c> with the version read before (0 while the default applies).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the new version. Errors: <c>400</c> naming every bad field, <c>403</c>, <c>404</c>, <c>412</c>.</returns>
    [Put("/api/messaging/journeys/{id}")]
    Task<IApiResponse<JourneyResponse>> PutJourneyAsync(string id, [Body] JourneyRequest journey, [Header("If-Match")] string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/journeys/{id}/versions</c>: every version of a journey, newest first.</summary>
    /// <param name="id">The journey id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the versions. Errors: <c>403</c>, <c>404</c>.</returns>
    [Get("/api/messaging/journeys/{id}/versions")]
    Task<IApiResponse<Page<JourneyResponse>>> ListJourneyVersionsAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/messaging/journey-enrollments?contactId=</c>: a contact's journey enrollments (managers, administrators, API keys).</summary>
    /// <param name="contactId">The contact.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the enrollments. Errors: <c>400</c>, <c>403</c>.</returns>
    [Get("/api/messaging/journey-enrollments")]
    Task<IApiResponse<Page<JourneyEnrollmentResponse>>> ListJourneyEnrollmentsAsync([Query] string contactId, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/messaging/journey-enrollments/{id}/stop</c>: stops an enrollment now. Needs <c>messaging:write</c>.</summary>
    /// <param name="id">The enrollment id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the stopped enrollment. Errors: <c>403</c>, <c>404</c>, <c>409</c> when it has ended.</returns>
    [Post("/api/messaging/journey-enrollments/{id}/stop")]
    Task<IApiResponse<JourneyEnrollmentResponse>> StopJourneyEnrollmentAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/analytics/summary</c>: counts (leads captured by source and channel, scored by grade, assigned, messages sent) per UTC day and in total.</summary>
    /// <param name="from">First UTC day, <c>yyyy-MM-dd</c>; default 29 days before <paramref name="to"/>.</param>
    /// <param name="to">Last UTC day, <c>yyyy-MM-dd</c>; default today.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the summary. Errors: <c>400</c> for a malformed date, <c>from</c> after <c>to</c> or a period of more than 366 days.</returns>
    [Get("/api/analytics/summary")]
    Task<IApiResponse<SummaryResponse>> GetAnalyticsSummaryAsync([Query] string? from = null, [Query] string? to = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/analytics/live</c>: the live lead rate as server-sent events (<c>text/event-stream</c>), an event <c>rate</c> every second with a <see cref="LiveLeadRate"/> as JSON.</summary>
    /// <param name="cancellationToken">Cancels the call and ends the stream.</param>
    /// <returns>The response as soon as its headers arrived: read its content as a stream (e.g. <c>System.Net.ServerSentEvents.SseParser</c>) and dispose it to close the stream. Errors: <c>403</c> without <c>analytics:read</c>.</returns>
    [Get("/api/analytics/live")]
    Task<HttpResponseMessage> StreamAnalyticsLiveAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/analytics/kpis/{kpi}</c>: one KPI as a table (<c>columns</c>, <c>rows</c> per period and group, <c>totals</c>) with the
    /// watermark of its read model. Needs <c>analytics:read</c>. Definitions: the Analytics README.
    /// </summary>
    /// <param name="kpi">conversion, cycle-length, speed-to-lead, funnel, sla, rep-activity, messages, service, cac, ltv, aov, retention or revenue-by-campaign.</param>
    /// <param name="from">First UTC day, <c>yyyy-MM-dd</c>; default 29 days before <paramref name="to"/>.</param>
    /// <param name="to">Last UTC day, <c>yyyy-MM-dd</c>; default today; at most 366 days.</param>
    /// <param name="granularity">day (default), week or month (cac: month).</param>
    /// <param name="groupBy">channel, source, campaign, rep, team or segment, as the KPI allows; null: one group, <c>all</c>. With segment a lead or customer counts in every segment its contact is in now (rows overlap; totals count each once).</param>
    /// <param name="mode">funnel: strict (default) or any.</param>
    /// <param name="stages">funnel: the stages in order, comma-separated.</param>
    /// <param name="touch">revenue-by-campaign: first (default) or last.</param>
    /// <param name="days">retention: days without an order after which a customer is churned (default 90).</param>
    /// <param name="currency">cac, ltv, aov, revenue-by-campaign: ISO 4217 currency counted (default EUR).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the table. Errors: <c>400</c> naming each bad or unused parameter, <c>404</c> for an unknown KPI.</returns>
    [Get("/api/analytics/kpis/{kpi}")]
    Task<IApiResponse<KpiResponse>> GetAnalyticsKpiAsync(string kpi, [Query] string? from = null, [Query] string? to = null, [Query] string? granularity = null, [Query] string? groupBy = null, [Query] string? mode = null, [Query] string? stages = null, [Query] string? touch = null, [Query] int? days = null, [Query] string? currency = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/analytics/kpis/{kpi}?format=csv</c>: the same KPI's rows as CSV (header = <c>columns</c>). Needs <c>analytics:read</c>.</summary>
    /// <param name="kpi">The KPI, as for <see cref="GetAnalyticsKpiAsync"/>.</param>
    /// <param name="from">First UTC day, <c>yyyy-MM-dd</c>.</param>
    /// <param name="to">Last UTC day, <c>yyyy-MM-dd</c>.</param>
    /// <param name="granularity">day, week or month.</param>
    /// <param name="groupBy">The grouping, as the KPI allows.</param>
    /// <param name="format">Always <c>csv</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the CSV text. Errors as <see cref="GetAnalyticsKpiAsync"/>.</returns>
    [Get("/api/analytics/kpis/{kpi}")]
    Task<IApiResponse<string>> GetAnalyticsKpiCsvAsync(string kpi, [Query] string? from = null, [Query] string? to = null, [Query] string? granularity = null, [Query] string? groupBy = null, [Query] string format = "csv", CancellationToken cancellationToken = default);

    /// <summary><c>PUT /api/analytics/spend</c>: the acquisition spend of one channel or campaign in one month (replaces the month's entry). Needs <c>analytics:write</c>.</summary>
    /// <param name="spend">Channel or campaign, period (yyyy-MM) and amount.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the entry as stored. Errors: <c>400</c> naming each bad field, <c>403</c> without <c>analytics:write</c>.</returns>
    [Put("/api/analytics/spend")]
    Task<IApiResponse<SpendResponse>> PutAnalyticsSpendAsync([Body] SpendRequest spend, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/gateway/keys</c> (<c>gateway:admin</c>): a new API key; the answer holds the key itself, once.</summary>
    /// <param name="request">Name, scopes and optional expiry, allowed addresses and limits.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>201</c> with the key. Errors: <c>400</c> naming every bad field, <c>403</c> without <c>gateway:admin</c>.</returns>
    [Post("/api/gateway/keys")]
    Task<IApiResponse<CreatedApiKeyResponse>> CreateApiKeyAsync([Body] CreateApiKeyRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/gateway/keys</c> (<c>gateway:admin</c>): the stored keys (never the keys themselves), oldest first.</summary>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page.</returns>
    [Get("/api/gateway/keys")]
    Task<IApiResponse<Page<ApiKeyResponse>>> ListApiKeysAsync([Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/gateway/keys/{id}</c> (<c>gateway:admin</c>): one stored key.</summary>
    /// <param name="id">The key's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the key. Errors: <c>404</c>.</returns>
    [Get("/api/gateway/keys/{id}")]
    Task<IApiResponse<ApiKeyResponse>> GetApiKeyAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/gateway/keys/{id}</c> (<c>gateway:admin</c>): revokes the key (every gateway replica refuses it within <c>Gateway:KeyCacheTtl</c>).</summary>
    /// <param name="id">The key's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>204</c>. Errors: <c>404</c>.</returns>
    [Delete("/api/gateway/keys/{id}")]
    Task<IApiResponse> RevokeApiKeyAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/gateway/keys/{id}/rotate</c> (<c>gateway:admin</c>): a new key with the same settings; the old one works for the overlap.</summary>
    /// <param name="id">The key's id.</param>
    /// <param name="request">The overlap (default 60 minutes).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>201</c> with the new key. Errors: <c>404</c>, <c>409</c> when the key is revoked or expired.</returns>
    [Post("/api/gateway/keys/{id}/rotate")]
    Task<IApiResponse<CreatedApiKeyResponse>> RotateApiKeyAsync(string id, [Body] RotateApiKeyRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/{service}/admin/dead-letters/queues</c>: the service's dead letters counted per queue (needs
    /// <c>&lt;service&gt;:admin</c>). The <c>dead-letters</c> methods take the service as their first argument.
    /// </summary>
    /// <param name="service">The service: <c>leads</c>, <c>contacts</c>, <c>assignment</c>, <c>messaging</c> or <c>analytics</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the queues. Errors: <c>403</c>.</returns>
    [Get("/api/{service}/admin/dead-letters/queues")]
    Task<IApiResponse<Page<DeadLetterQueueResponse>>> ListDeadLetterQueuesAsync(string service, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/{service}/admin/dead-letters</c>: the service's dead letters (messages its consumers gave up on), one page at a time.</summary>
    /// <param name="service">The service (<c>leads</c>, <c>contacts</c>, ...).</param>
    /// <param name="queue">Only this queue's.</param>
    /// <param name="limit">Page size, 1 to 500 (server default 50).</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page (same filter); null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with a page (without the messages' bodies). Errors: <c>400</c>, <c>403</c>.</returns>
    [Get("/api/{service}/admin/dead-letters")]
    Task<IApiResponse<Page<DeadLetterResponse>>> ListDeadLettersAsync(string service, [Query] string? queue = null, [Query] int? limit = null, [Query] string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/{service}/admin/dead-letters/{id}</c>: one dead letter with its message and the error.</summary>
    /// <param name="service">The service (<c>leads</c>, <c>contacts</c>, ...).</param>
    /// <param name="id">The dead letter's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the dead letter. Errors: <c>403</c>, <c>404</c>.</returns>
    [Get("/api/{service}/admin/dead-letters/{id}")]
    Task<IApiResponse<DeadLetterResponse>> GetDeadLetterAsync(string service, string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/{service}/admin/dead-letters/{id}/replay</c>: sends one dead letter to its queue again.</summary>
    /// <param name="service">The service (<c>leads</c>, <c>contacts</c>, ...).</param>
    /// <param name="id">The dead letter's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>202</c> with the count replayed. Errors: <c>403</c>, <c>404</c>, <c>409</c> (already replayed).</returns>
    [Post("/api/{service}/admin/dead-letters/{id}/replay")]
    Task<IApiResponse<DeadLetterBatchResponse>> ReplayDeadLetterAsync(string service, string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/{service}/admin/dead-letters/replay</c>: sends the service's dead letters (of one queue, or all) to their queues again.</summary>
    /// <param name="service">The service (<c>leads</c>, <c>contacts</c>, ...).</param>
    /// <param name="queue">Only this queue's; null: every queue.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>202</c> with the count replayed. Errors: <c>403</c>.</returns>
    [Post("/api/{service}/admin/dead-letters/replay")]
    Task<IApiResponse<DeadLetterBatchResponse>> ReplayDeadLettersAsync(string service, [Query] string? queue = null, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/{service}/admin/dead-letters/{id}</c>: deletes one dead letter for good.</summary>
    /// <param name="service">The service (<c>leads</c>, <c>contacts</c>, ...).</param>
    /// <param name="id">The dead letter's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>204</c>. Errors: <c>403</c>, <c>404</c>.</returns>
    [Delete("/api/{service}/admin/dead-letters/{id}")]
    Task<IApiResponse> PurgeDeadLetterAsync(string service, string id, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/{service}/admin/dead-letters</c>: deletes the dead letters of one queue for good.</summary>
    /// <param name="service">The service (<c>leads</c>, <c>contacts</c>, ...).</param>
    /// <param name="queue">The queue (required; <see cref="ListDeadLetterQueuesAsync"/> lists them).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><c>200</c> with the count purged. Errors: <c>400</c> (no queue named), <c>403</c>.</returns>
    [Delete("/api/{service}/admin/dead-letters")]
    Task<IApiResponse<DeadLetterBatchResponse>> PurgeDeadLettersAsync(string service, [Query] string queue, CancellationToken cancellationToken = default);
}
