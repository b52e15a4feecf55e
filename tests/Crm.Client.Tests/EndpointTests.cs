using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Api.Messaging;
using Microsoft.AspNetCore.Http;
using Refit;
using Xunit;

namespace Crm.Client.Tests;

/// <summary>Every public endpoint: the request each <see cref="ICrmApi"/> method sends (method, path, query, headers) and that its answer is read.</summary>
public sealed class EndpointTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;
    private ICrmApi _api = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackServer.StartAsync(RespondAsync);
        _api = RetryTests.Client(_server);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string, string> Calls() => new()
    {
        { "CaptureLead", "POST", "/api/leads" },
        { "GetLead", "GET", "/api/leads/l1" },
        { "GetContact", "GET", "/api/contacts/c1" },
        { "ListContacts", "GET", "/api/contacts?q=ada%40example.com&tag=vip&lifecycleStage=customer&country=DE&limit=10&cursor=abc" },
        { "UpdateContact", "PATCH", "/api/contacts/c1" },
        { "PatchContact", "PATCH", "/api/contacts/c1" },
        { "GetContactFieldDefinitions", "GET", "/api/contacts/field-definitions" },
        { "SetContactFieldDefinitions", "PUT", "/api/contacts/field-definitions" },
        { "GetContactConsent", "GET", "/api/contacts/c1/consent?limit=10&cursor=abc" },
        { "ChangeContactConsent", "POST", "/api/contacts/c1/consent" },
        { "PlaceOrder", "POST", "/api/contacts/c1/orders" },
        { "ListOrders", "GET", "/api/contacts/c1/orders?limit=10&cursor=abc" },
        { "GetCustomerSummary", "GET", "/api/contacts/c1/summary" },
        { "GetLoyaltyRules", "GET", "/api/contacts/loyalty-rules" },
        { "SetLoyaltyRules", "PUT", "/api/contacts/loyalty-rules" },
        { "RequestContactErasure", "POST", "/api/contacts/c1/erasure" },
        { "GetContactErasure", "GET", "/api/contacts/erasures/r1" },
        { "CreateRep", "POST", "/api/assignment/reps" },
        { "ListReps", "GET", "/api/assignment/reps" },
        { "ListRepsPaged", "GET", "/api/assignment/reps?limit=10&cursor=abc" },
        { "GetRep", "GET", "/api/assignment/reps/r1" },
        { "UpdateRep", "PATCH", "/api/assignment/reps/r1" },
        { "SetRepPresence", "PUT", "/api/assignment/reps/r1/presence" },
        { "GetLeadAssignment", "GET", "/api/assignment/leads/l1" },
        { "ListBacklog", "GET", "/api/assignment/backlog?limit=5&cursor=next" },
        { "ListMessages", "GET", "/api/messaging/messages?contactId=c1&leadId=l1&limit=20&cursor=x" },
        { "ListMessagesOfLead", "GET", "/api/messaging/messages?leadId=l1" },
        { "SendMessage", "POST", "/api/messaging/messages" },
        { "SendMessageBatch", "POST", "/api/messaging/messages/batch" },
        { "GetMessage", "GET", "/api/messaging/messages/m1" },
        { "LogCall", "POST", "/api/messaging/calls" },
        { "ClearEmailSuppression", "DELETE", "/api/messaging/suppressions/ada@example.com" },
        { "ListMessageTemplates", "GET", "/api/messaging/templates?key=welcome" },
        { "GetMessageTemplate", "GET", "/api/messaging/templates/welcome/email/pt-BR" },
        { "SetMessageTemplate", "PUT", "/api/messaging/templates/welcome/email/pt-BR" },
        { "DeleteMessageTemplate", "DELETE", "/api/messaging/templates/welcome/email/pt-BR" },
        { "PreviewMessageTemplate", "POST", "/api/messaging/templates/welcome/preview" },
        { "CreateWebhookSubscription", "POST", "/api/messaging/webhooks" },
        { "ListWebhookSubscriptions", "GET", "/api/messaging/webhooks?limit=10&cursor=c" },
        { "GetWebhookSubscription", "GET", "/api/messaging/webhooks/w1" },
        { "UpdateWebhookSubscription", "PATCH", "/api/messaging/webhooks/w1" },
        { "DeleteWebhookSubscription", "DELETE", "/api/messaging/webhooks/w1" },
        { "RotateWebhookSecret", "POST", "/api/messaging/webhooks/w1/rotate-secret" },
        { "ListWebhookDeliveries", "GET", "/api/messaging/webhooks/w1/deliveries?status=failed&limit=5" },
        { "GetWebhookDelivery", "GET", "/api/messaging/webhooks/deliveries/d1" },
        { "ReplayWebhookDelivery", "POST", "/api/messaging/webhooks/deliveries/d1/replay" },
        { "ListConversations", "GET", "/api/messaging/conversations?status=open&channel=sms&owner=r1&contactId=c1&limit=10&cursor=abc" },
        { "GetConversation", "GET", "/api/messaging/conversations/v1" },
        { "ReplyToConversation", "POST", "/api/messaging/conversations/v1/replies" },
        { "ResolveConversation", "POST", "/api/messaging/conversations/v1/resolve" },
        { "ReopenConversation", "POST", "/api/messaging/conversations/v1/reopen" },
        { "AssignConversation", "PUT", "/api/messaging/conversations/v1/owner" },
        { "RecordConversationCsat", "POST", "/api/messaging/conversations/v1/csat" },
        { "ListJourneys", "GET", "/api/messaging/journeys" },
        { "GetJourney", "GET", "/api/messaging/journeys/follow-up-ladder" },
        { "PutJourney", "PUT", "/api/messaging/journeys/follow-up-ladder" },
        { "ListJourneyVersions", "GET", "/api/messaging/journeys/follow-up-ladder/versions" },
        { "ListJourneyEnrollments", "GET", "/api/messaging/journey-enrollments?contactId=c1" },
        { "StopJourneyEnrollment", "POST", "/api/messaging/journey-enrollments/e1/stop" },
        { "GetAnalyticsSummary", "GET", "/api/analytics/summary?from=2026-11-01&to=2026-11-29" },
        { "GetAnalyticsKpi", "GET", "/api/analytics/kpis/funnel?from=2026-11-01&to=2026-11-29&granularity=week&groupBy=channel&mode=any&stages=new%2Cwon" },
        { "GetAnalyticsKpiCsv", "GET", "/api/analytics/kpis/conversion?from=2026-11-01&to=2026-11-29&groupBy=rep&format=csv" },
        { "PutAnalyticsSpend", "PUT", "/api/analytics/spend" },
        { "CaptureLeadBatch", "POST", "/api/leads/batch" },
        { "ListLeads", "GET", "/api/leads?status=open&grade=hot&owner=r1&scoreMin=50&sort=-score&limit=10&cursor=abc" },
        { "UpdateLead", "PATCH", "/api/leads/l1" },
        { "PatchLead", "PATCH", "/api/leads/l1" },
        { "RecordSignals", "POST", "/api/leads/signals" },
        { "MoveLeadStage", "POST", "/api/leads/l1/stage" },
        { "WinLead", "POST", "/api/leads/l1/won" },
        { "LoseLead", "POST", "/api/leads/l1/lost" },
        { "ReopenLead", "POST", "/api/leads/l1/reopen" },
        { "LogLeadActivity", "POST", "/api/leads/l1/activities" },
        { "ListPipelines", "GET", "/api/leads/pipelines" },
        { "GetPipeline", "GET", "/api/leads/pipelines/sales" },
        { "GetPipelineVersion", "GET", "/api/leads/pipelines/sales/versions/2" },
        { "SavePipeline", "PUT", "/api/leads/pipelines/sales" },
        { "GetScoringRules", "GET", "/api/leads/scoring-rules" },
        { "SaveScoringRules", "PUT", "/api/leads/scoring-rules" },
        { "GetRescoreJob", "GET", "/api/leads/scoring-rules/rescores/j1" },
        { "GetScoreHistory", "GET", "/api/leads/l1/score-history?limit=10&cursor=abc" },
        { "GetPredictionModel", "GET", "/api/leads/prediction-model" },
        { "TrainPredictionModel", "POST", "/api/leads/prediction-model/train" },
        { "GetLeadPrediction", "GET", "/api/leads/l1/prediction" },
        { "ClearRepWorkingHours", "DELETE", "/api/assignment/reps/r1/working-hours" },
        { "MarkNotificationRead", "POST", "/api/assignment/reps/r1/notifications/n1/read" },
        { "GetSlaPolicies", "GET", "/api/assignment/sla-policies" },
        { "SetSlaPolicies", "PUT", "/api/assignment/sla-policies" },
        { "SaveTeam", "PUT", "/api/assignment/teams/t1" },
        { "ListTeams", "GET", "/api/assignment/teams?limit=10&cursor=abc" },
        { "GetTeam", "GET", "/api/assignment/teams/t1" },
        { "ListDeadLetterQueues", "GET", "/api/leads/admin/dead-letters/queues" },
        { "ListDeadLetters", "GET", "/api/contacts/admin/dead-letters?queue=q1&limit=10&cursor=abc" },
        { "GetDeadLetter", "GET", "/api/assignment/admin/dead-letters/d1" },
        { "ReplayDeadLetter", "POST", "/api/messaging/admin/dead-letters/d1/replay" },
        { "ReplayDeadLetters", "POST", "/api/analytics/admin/dead-letters/replay?queue=q1" },
        { "PurgeDeadLetter", "DELETE", "/api/leads/admin/dead-letters/d1" },
        { "PurgeDeadLetters", "DELETE", "/api/leads/admin/dead-letters?queue=q1" },
    };

    /// <summary>The calls whose endpoint deduplicates on <c>Idempotency-Key</c>: the client sends one even when the caller passes none.</summary>
    private static readonly string[] IdempotentCalls = ["CaptureLead", "CaptureLeadBatch", "LogLeadActivity", "SendMessage", "SendMessageBatch", "LogCall", "ReplyToConversation"];

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Each_method_sends_its_request_and_reads_the_answer(string call, string method, string pathAndQuery)
    {
        var response = await CallAsync(call);

        Assert.True(response.IsSuccessStatusCode, $"{call}: {(int?)response.StatusCode} {(response.Error as ApiException)?.Content}");
        Assert.Null(response.Error);
        var seen = Assert.Single(_server.Seen);
        Assert.Equal(method, seen.Method);
        Assert.Equal(pathAndQuery, seen.PathAndQuery);
        Assert.Equal("Bearer test-key", seen.Header("Authorization"));
        Assert.Equal(IdempotentCalls.Contains(call), seen.Header("Idempotency-Key") is not null);
    }

    [Fact]
    public async Task A_contact_update_sends_only_the_members_set_and_a_raw_patch_sends_null()
    {
        await _api.UpdateContactAsync("c1", new UpdateContactRequest { Locale = "de-DE", LifecycleStage = LifecycleStage.Customer }, ifMatch: "\"3\"");
        await _api.PatchContactAsync("c1", new System.Text.Json.Nodes.JsonObject { ["timeZone"] = null });

        Assert.Equal("\"3\"", _server.Seen[0].Header("If-Match"));
        Assert.Equal("""{"locale":"de-DE","lifecycleStage":"customer"}""", _server.Seen[0].Body);
        Assert.Equal("""{"timeZone":null}""", _server.Seen[1].Body);
    }

    [Fact]
    public async Task An_update_sends_If_Match_and_the_rep_version_comes_back_as_ETag()
    {
        var updated = await _api.UpdateRepAsync("r1", new UpdateRepRequest { Active = false }, ifMatch: "\"1\"");

        Assert.Equal("\"1\"", Assert.Single(_server.Seen).Header("If-Match"));
        Assert.Contains("\"active\":false", _server.Seen[0].Body, StringComparison.Ordinal);
        Assert.Equal("\"2\"", updated.Headers?.ETag?.Tag);
        Assert.Equal(2, updated.Content?.Version);
    }

    private async Task<IApiResponse> CallAsync(string call) => call switch
    {
        "CaptureLead" => await _api.CaptureLeadAsync(new CaptureLeadRequest { Email = "ada@example.com", Source = "web-form", Channel = Channel.Web }),
        "GetLead" => await _api.GetLeadAsync("l1"),
        "GetContact" => await _api.GetContactAsync("c1"),
        "ListContacts" => await _api.ListContactsAsync(q: "ada@example.com", tag: "vip", lifecycleStage: "customer", country: "DE", limit: 10, cursor: "abc"),
        "UpdateContact" => await _api.UpdateContactAsync("c1", new UpdateContactRequest { Locale = "de-DE", Tags = ["vip"] }),
        "PatchContact" => await _api.PatchContactAsync("c1", new System.Text.Json.Nodes.JsonObject { ["locale"] = null }),
        "GetContactFieldDefinitions" => await _api.GetContactFieldDefinitionsAsync(),
        "SetContactFieldDefinitions" => await _api.SetContactFieldDefinitionsAsync(new ContactFieldDefinitionsDocument { Definitions = [new CustomFieldDefinitionDocument { Key = "plan", Label = "Plan", Type = CustomFieldType.Text }] }),
        "GetContactConsent" => await _api.GetContactConsentAsync("c1", limit: 10, cursor: "abc"),
        "ChangeContactConsent" => await _api.ChangeContactConsentAsync("c1", new ChangeConsentRequest
        {
            Channels = [new ChannelConsentChange { Channel = "email", Status = "withdrawn", Source = "email" }],
        }),
        "PlaceOrder" => await _api.PlaceOrderAsync("c1", new PlaceOrderRequest { Reference = "S-1", Amount = new Money { Amount = "10.00", Currency = "EUR" } }),
        "ListOrders" => await _api.ListOrdersAsync("c1", limit: 10, cursor: "abc"),
        "GetCustomerSummary" => await _api.GetCustomerSummaryAsync("c1"),
        "GetLoyaltyRules" => await _api.GetLoyaltyRulesAsync(),
        "SetLoyaltyRules" => await _api.SetLoyaltyRulesAsync(new LoyaltyRulesDocument { Currency = "EUR" }),
        "RequestContactErasure" => await _api.RequestContactErasureAsync("c1"),
        "GetContactErasure" => await _api.GetContactErasureAsync("r1"),
        "CreateRep" => await _api.CreateRepAsync(new CreateRepRequest { Name = "Rita", Capacity = 5 }),
        "ListReps" => await _api.ListRepsAsync(),
        "ListRepsPaged" => await _api.ListRepsAsync(limit: 10, cursor: "abc"),
        "GetRep" => await _api.GetRepAsync("r1"),
        "UpdateRep" => await _api.UpdateRepAsync("r1", new UpdateRepRequest { Capacity = 6 }),
        "SetRepPresence" => await _api.SetRepPresenceAsync("r1", new SetPresenceRequest { Presence = Presence.Away }),
        "GetLeadAssignment" => await _api.GetLeadAssignmentAsync("l1"),
        "ListBacklog" => await _api.ListBacklogAsync(limit: 5, cursor: "next"),
        "ListMessages" => await _api.ListMessagesAsync(contactId: "c1", leadId: "l1", limit: 20, cursor: "x"),
        "ListMessagesOfLead" => await _api.ListMessagesAsync(leadId: "l1"),
        "SendMessage" => await _api.SendMessageAsync(new SendMessageRequest { ContactId = "c1", Channel = "sms", Template = "follow-up-1" }),
        "SendMessageBatch" => await _api.SendMessageBatchAsync(new SendMessageBatchRequest { Items = [new SendMessageRequest { ContactId = "c1", Channel = "sms", Template = "follow-up-1" }] }),
        "GetMessage" => await _api.GetMessageAsync("m1"),
        "LogCall" => await _api.LogCallAsync(new LogCallRequest { ContactId = "c1", Direction = "outbound", StartedAt = DateTimeOffset.UnixEpoch, DurationSeconds = 60, Outcome = "answered", ProviderCallId = "CA1" }),
        "ClearEmailSuppression" => await _api.ClearEmailSuppressionAsync("ada@example.com"),
        "ListMessageTemplates" => await _api.ListMessageTemplatesAsync(key: "welcome"),
        "GetMessageTemplate" => await _api.GetMessageTemplateAsync("welcome", "email", "pt-BR"),
        "SetMessageTemplate" => await _api.SetMessageTemplateAsync("welcome", "email", "pt-BR", new MessageTemplateRequest { Subject = "Olá, {{ contact.name }}!", Body = "Olá" }, ifMatch: "\"1\""),
        "DeleteMessageTemplate" => await _api.DeleteMessageTemplateAsync("welcome", "email", "pt-BR"),
        "CreateWebhookSubscription" => await _api.CreateWebhookSubscriptionAsync(new WebhookSubscriptionRequest { Url = "https://partner.example.com/hooks", EventTypes = ["lead.won"] }),
        "ListWebhookSubscriptions" => await _api.ListWebhookSubscriptionsAsync(limit: 10, cursor: "c"),
        "GetWebhookSubscription" => await _api.GetWebhookSubscriptionAsync("w1"),
        "UpdateWebhookSubscription" => await _api.UpdateWebhookSubscriptionAsync("w1", new WebhookSubscriptionPatch { Active = false }, ifMatch: "\"1\""),
        "DeleteWebhookSubscription" => await _api.DeleteWebhookSubscriptionAsync("w1"),
        "RotateWebhookSecret" => await _api.RotateWebhookSecretAsync("w1"),
        "ListWebhookDeliveries" => await _api.ListWebhookDeliveriesAsync("w1", status: "failed", limit: 5),
        "GetWebhookDelivery" => await _api.GetWebhookDeliveryAsync("d1"),
        "ReplayWebhookDelivery" => await _api.ReplayWebhookDeliveryAsync("d1"),
        "ListConversations" => await _api.ListConversationsAsync(status: "open", channel: "sms", owner: "r1", contactId: "c1", limit: 10, cursor: "abc"),
        "GetConversation" => await _api.GetConversationAsync("v1"),
        "ReplyToConversation" => await _api.ReplyToConversationAsync("v1", new ConversationReplyRequest { Text = "On my way" }),
        "ResolveConversation" => await _api.ResolveConversationAsync("v1"),
        "ReopenConversation" => await _api.ReopenConversationAsync("v1"),
        "AssignConversation" => await _api.AssignConversationAsync("v1", new ConversationOwnerRequest { RepId = "r1", TeamId = "t1" }),
        "RecordConversationCsat" => await _api.RecordConversationCsatAsync("v1", new ConversationCsatRequest { Score = 5 }),
        "ListJourneys" => await _api.ListJourneysAsync(),
        "GetJourney" => await _api.GetJourneyAsync("follow-up-ladder"),
        "PutJourney" => await _api.PutJourneyAsync("follow-up-ladder", new JourneyRequest { Name = "Ladder", Steps = [new JourneyStepDocument { Type = "wait", Duration = "1.00:00:00" }] }, ifMatch: "\"1\""),
        "ListJourneyVersions" => await _api.ListJourneyVersionsAsync("follow-up-ladder"),
        "ListJourneyEnrollments" => await _api.ListJourneyEnrollmentsAsync("c1"),
        "StopJourneyEnrollment" => await _api.StopJourneyEnrollmentAsync("e1"),
        "PreviewMessageTemplate" => await _api.PreviewMessageTemplateAsync("welcome", new TemplatePreviewRequest { Channel = "email", ContactId = "c1" }),
        "GetAnalyticsSummary" => await _api.GetAnalyticsSummaryAsync("2026-11-01", "2026-11-29"),
        "GetAnalyticsKpi" => await _api.GetAnalyticsKpiAsync("funnel", "2026-11-01", "2026-11-29", granularity: "week", groupBy: "channel", mode: "any", stages: "new,won"),
        "GetAnalyticsKpiCsv" => await _api.GetAnalyticsKpiCsvAsync("conversion", "2026-11-01", "2026-11-29", groupBy: "rep"),
        "PutAnalyticsSpend" => await _api.PutAnalyticsSpendAsync(new Crm.Contracts.Api.Analytics.SpendRequest { Channel = "ads", Period = "2026-11", Amount = new Money { Amount = "1200.00", Currency = "EUR" } }),
        "CaptureLeadBatch" => await _api.CaptureLeadBatchAsync(new BatchCaptureRequest { Items = [new CaptureLeadRequest { Email = "ada@example.com", Source = "fair" }] }),
        "ListLeads" => await _api.ListLeadsAsync(status: "open", grade: "hot", owner: "r1", scoreMin: 50, sort: "-score", limit: 10, cursor: "abc"),
        "UpdateLead" => await _api.UpdateLeadAsync("l1", new UpdateLeadRequest { Interest = "solar" }),
        "PatchLead" => await _api.PatchLeadAsync("l1", new System.Text.Json.Nodes.JsonObject { ["campaign"] = null }),
        "RecordSignals" => await _api.RecordSignalsAsync(new RecordSignalsRequest { Items = [new SignalRequest { Id = "e1", Type = "page-view", LeadId = "l1" }] }),
        "MoveLeadStage" => await _api.MoveLeadStageAsync("l1", new MoveStageRequest { Stage = "qualified" }),
        "WinLead" => await _api.WinLeadAsync("l1", new WinLeadRequest { Value = new Money { Amount = "10.00", Currency = "EUR" } }),
        "LoseLead" => await _api.LoseLeadAsync("l1", new LoseLeadRequest { Reason = "no-budget" }),
        "ReopenLead" => await _api.ReopenLeadAsync("l1", new ReopenLeadRequest()),
        "LogLeadActivity" => await _api.LogLeadActivityAsync("l1", new LogActivityRequest { Type = "call" }),
        "ListPipelines" => await _api.ListPipelinesAsync(),
        "GetPipeline" => await _api.GetPipelineAsync("sales"),
        "GetPipelineVersion" => await _api.GetPipelineVersionAsync("sales", 2),
        "SavePipeline" => await _api.SavePipelineAsync("sales", new PipelineDefinition { Name = "Sales" }),
        "GetScoringRules" => await _api.GetScoringRulesAsync(),
        "SaveScoringRules" => await _api.SaveScoringRulesAsync(new ScoringRuleSet()),
        "GetRescoreJob" => await _api.GetRescoreJobAsync("j1"),
        "GetScoreHistory" => await _api.GetScoreHistoryAsync("l1", limit: 10, cursor: "abc"),
        "GetPredictionModel" => await _api.GetPredictionModelAsync(),
        "TrainPredictionModel" => await _api.TrainPredictionModelAsync(),
        "GetLeadPrediction" => await _api.GetLeadPredictionAsync("l1"),
        "ClearRepWorkingHours" => await _api.ClearRepWorkingHoursAsync("r1"),
        "MarkNotificationRead" => await _api.MarkNotificationReadAsync("r1", "n1"),
        "GetSlaPolicies" => await _api.GetSlaPoliciesAsync(),
        "SetSlaPolicies" => await _api.SetSlaPoliciesAsync(new SlaPoliciesDocument()),
        "SaveTeam" => await _api.SaveTeamAsync("t1", new TeamRequest { Name = "North" }),
        "ListTeams" => await _api.ListTeamsAsync(limit: 10, cursor: "abc"),
        "GetTeam" => await _api.GetTeamAsync("t1"),
        "ListDeadLetterQueues" => await _api.ListDeadLetterQueuesAsync("leads"),
        "ListDeadLetters" => await _api.ListDeadLettersAsync("contacts", queue: "q1", limit: 10, cursor: "abc"),
        "GetDeadLetter" => await _api.GetDeadLetterAsync("assignment", "d1"),
        "ReplayDeadLetter" => await _api.ReplayDeadLetterAsync("messaging", "d1"),
        "ReplayDeadLetters" => await _api.ReplayDeadLettersAsync("analytics", queue: "q1"),
        "PurgeDeadLetter" => await _api.PurgeDeadLetterAsync("leads", "d1"),
        "PurgeDeadLetters" => await _api.PurgeDeadLettersAsync("leads", "q1"),
        _ => throw new ArgumentOutOfRangeException(nameof(call), call, null),
    };

    /// <summary>A fake gateway answering each public endpoint with a well-formed body.</summary>
    private static Task RespondAsync(HttpContext context, SeenRequest seen)
    {
        var path = context.Request.Path.Value!;
        var status = context.Request.Method == "POST" ? 201 : 200;
        if (path.StartsWith("/api/assignment/reps", StringComparison.Ordinal))
        {
            context.Response.Headers.ETag = "\"2\"";
        }

        return Answer.Json(context, status, path switch
        {
            _ when path.Contains("/admin/dead-letters", StringComparison.Ordinal) => (context.Request.Method, path.EndsWith("/d1", StringComparison.Ordinal)) switch
            {
                ("GET", true) => """{"id":"d1","queue":"q1","messageTypes":["urn:message:X"],"reason":"fault","firstFailedAt":"2026-11-29T10:00:00Z","deadAt":"2026-11-29T10:05:00Z","redeliveries":3,"replayable":true}""",
                ("GET", false) => Answer.EmptyPage,
                _ => """{"done":1,"notReplayable":[]}""",
            },
            "/api/leads" when context.Request.Method == "GET" => Answer.EmptyPage,
            "/api/leads/batch" or "/api/leads/signals" => """{"results":[]}""",
            "/api/leads/pipelines" => Answer.EmptyPage,
            _ when path.StartsWith("/api/leads/pipelines/", StringComparison.Ordinal) => """{"id":"sales","name":"Sales","stages":[],"version":2}""",
            "/api/leads/scoring-rules" when context.Request.Method == "GET" => """{"version":3,"rules":[],"maxScore":100}""",
            _ when path.StartsWith("/api/leads/scoring-rules", StringComparison.Ordinal) => """{"id":"j1","rulesVersion":4,"status":"running","total":10,"done":2}""",
            _ when path.StartsWith("/api/leads/prediction-model", StringComparison.Ordinal) => """{"status":"untrained","message":"12 more closed leads needed","minClosed":50,"closed":38}""",
            _ when path.EndsWith("/score-history", StringComparison.Ordinal) => Answer.EmptyPage,
            _ when path.EndsWith("/prediction", StringComparison.Ordinal) => """{"available":false,"reason":"no model yet"}""",
            _ when path.EndsWith("/activities", StringComparison.Ordinal) => """{"id":"a1","type":"call","at":"2026-11-29T10:00:00Z"}""",
            _ when path.StartsWith("/api/leads", StringComparison.Ordinal) => Answer.Lead(),
            "/api/contacts" => Answer.EmptyPage,
            _ when path.EndsWith("/erasure", StringComparison.Ordinal) || path.StartsWith("/api/contacts/erasures/", StringComparison.Ordinal) =>
                """{"requestId":"r1","contactId":"c1","status":"pending","requestedAt":"2026-11-29T10:00:00Z","requestedBy":{"kind":"key","id":"dpo","name":"dpo"},"deadline":"2026-12-29T10:00:00Z","confirmations":[],"missing":["leads"]}""",
            "/api/contacts/loyalty-rules" => """{"currency":"EUR","recencyDays":[30,90,180,365],"frequencyOrders":[2,4,8,16],"monetaryAmounts":["100.00","500.00","1000.00","5000.00"],"tiers":[{"name":"gold","minScore":13}],"version":1}""",
            _ when path.StartsWith("/api/contacts/", StringComparison.Ordinal) && path.EndsWith("/orders", StringComparison.Ordinal) && context.Request.Method == "GET" => Answer.EmptyPage,
            _ when path.StartsWith("/api/contacts/", StringComparison.Ordinal) && path.EndsWith("/orders", StringComparison.Ordinal) =>
                """{"id":"o1","contactId":"c1","reference":"S-1","amount":{"amount":"10.00","currency":"EUR"},"placedAt":"2026-11-29T10:00:00Z","items":[],"recordedAt":"2026-11-29T10:00:00Z"}""",
            _ when path.StartsWith("/api/contacts/", StringComparison.Ordinal) && path.EndsWith("/summary", StringComparison.Ordinal) =>
                """{"contactId":"c1","orders":0,"totalSpent":[],"averageOrderValue":[],"loyalty":{"recency":0,"frequency":0,"monetary":0}}""",
            "/api/contacts/field-definitions" => """{"definitions":[{"key":"plan","label":"Plan","type":"text","required":false}],"version":1}""",
            _ when path.StartsWith("/api/contacts/", StringComparison.Ordinal) && path.EndsWith("/consent", StringComparison.Ordinal) =>
                """{"contactId":"c1","doNotContact":{"active":false},"channels":[{"channel":"email","status":"withdrawn","source":"email","at":"2026-11-29T10:00:00Z","by":{"kind":"key","id":"shop","name":"shop"}}],"version":1,"ledger":{"items":[]}}""",
            _ when path.StartsWith("/api/contacts/", StringComparison.Ordinal) =>
                """{"id":"c1","name":"Ada","emails":["ada@example.com"],"phones":[],"createdAt":"2026-11-29T10:00:00Z","version":1,"timeline":[]}""",
            _ when path.EndsWith("/read", StringComparison.Ordinal) =>
                """{"id":"n1","repId":"r1","kind":"assigned","leadId":"l1","text":"New lead","createdAt":"2026-11-29T10:00:00Z","readAt":"2026-11-29T10:01:00Z"}""",
            "/api/assignment/sla-policies" => "{}",
            "/api/assignment/teams" => Answer.EmptyPage,
            _ when path.StartsWith("/api/assignment/teams/", StringComparison.Ordinal) => """{"id":"t1","name":"North","version":1}""",
            "/api/assignment/reps" when context.Request.Method == "GET" => $$"""{"items":[{{Answer.Rep()}}],"nextCursor":"n"}""",
            _ when path.StartsWith("/api/assignment/reps", StringComparison.Ordinal) => Answer.Rep(),
            _ when path.StartsWith("/api/assignment/leads/", StringComparison.Ordinal) =>
                """{"leadId":"l1","contactId":"c1","status":"assigned","repId":"r1","repName":"Rita","grade":"hot","score":80,"queuedAt":"2026-11-29T10:00:00Z","assignedAt":"2026-11-29T10:00:01Z"}""",
            "/api/messaging/conversations" => Answer.EmptyPage,
            _ when path.EndsWith("/replies", StringComparison.Ordinal) =>
                """{"id":"m1","contactId":"c1","channel":"sms","template":"conversation-reply","to":"","subject":"","status":"queued","sentAt":"2026-11-29T10:00:00Z"}""",
            _ when path.StartsWith("/api/messaging/conversations/", StringComparison.Ordinal) =>
                """{"id":"v1","contactId":"c1","channel":"sms","status":"resolved","openedAt":"2026-11-29T10:00:00Z","lastActivityAt":"2026-11-29T10:05:00Z","replies":1,"reopened":0,"firstContactResolution":true,"messages":[]}""",
            "/api/messaging/messages/batch" => """{"results":[{"index":0,"status":202,"id":"m1"}]}""",
            "/api/messaging/messages" when context.Request.Method == "POST" =>
                """{"id":"m1","contactId":"c1","channel":"sms","template":"follow-up-1","to":"","subject":"","status":"queued","sentAt":"2026-11-29T10:00:00Z"}""",
            "/api/messaging/calls" or "/api/messaging/messages/m1" =>
                """{"id":"m1","contactId":"c1","channel":"phone","template":"call","to":"+15550001234","subject":"","status":"logged","sentAt":"2026-11-29T10:00:00Z","call":{"direction":"outbound","outcome":"answered","durationSeconds":60,"providerCallId":"CA1"}}""",
            _ when path.StartsWith("/api/messaging/suppressions/", StringComparison.Ordinal) => "{}",
            "/api/assignment/backlog" or "/api/messaging/messages" or "/api/messaging/templates" or "/api/messaging/webhooks" when context.Request.Method == "GET" => Answer.EmptyPage,
            _ when path.EndsWith("/deliveries", StringComparison.Ordinal) => Answer.EmptyPage,
            _ when path.StartsWith("/api/messaging/webhooks/deliveries/", StringComparison.Ordinal) =>
                """{"id":"d1","subscriptionId":"w1","eventType":"lead.won","eventId":"e1","status":"delivered","attempts":1,"createdAt":"2026-11-29T10:00:00Z"}""",
            _ when path.StartsWith("/api/messaging/webhooks", StringComparison.Ordinal) =>
                """{"id":"w1","url":"https://partner.example.com/hooks","eventTypes":["lead.won"],"active":true,"createdAt":"2026-11-29T10:00:00Z","updatedAt":"2026-11-29T10:00:00Z","version":1}""",
            "/api/messaging/journeys" or "/api/messaging/journey-enrollments" => Answer.EmptyPage,
            _ when path.EndsWith("/versions", StringComparison.Ordinal) => Answer.EmptyPage,
            _ when path.StartsWith("/api/messaging/journeys/", StringComparison.Ordinal) =>
                """{"id":"follow-up-ladder","name":"Ladder","active":true,"trigger":{"event":"LeadAssigned","conditions":[]},"steps":[{"type":"wait","duration":"1.00:00:00"}],"stopOn":["replied"],"reentry":{"rule":"never"},"default":false,"version":2}""",
            _ when path.StartsWith("/api/messaging/journey-enrollments/", StringComparison.Ordinal) =>
                """{"id":"e1","journeyId":"follow-up-ladder","journeyVersion":2,"contactId":"c1","entry":1,"step":1,"status":"stopped","stopReason":"manual","enteredAt":"2026-11-29T10:00:00Z","endedAt":"2026-11-29T11:00:00Z","messageIds":[]}""",
            _ when path.EndsWith("/preview", StringComparison.Ordinal) =>
                """{"key":"welcome","channel":"email","locale":"en","version":0,"subject":"Welcome, Ada!","body":"Hello Ada"}""",
            _ when path.StartsWith("/api/messaging/templates/", StringComparison.Ordinal) =>
                """{"key":"welcome","channel":"email","locale":"pt-BR","purpose":"transactional","subject":"Olá","body":"Olá","default":false,"version":2}""",
            "/api/analytics/kpis/funnel" =>
                """{"kpi":"funnel","from":"2026-11-01","to":"2026-11-29","granularity":"week","groupBy":"channel","watermark":{"readModel":"lead-facts","appliedUpTo":"2026-11-29T10:00:00Z","lagSeconds":0.4},"columns":["period","group","leads","reached:new","dropped:new"],"rows":[{"period":"2026-11-23","group":"web","values":{"leads":2,"reached:new":1,"dropped:new":0}}],"totals":{"values":{"leads":2,"reached:new":1,"dropped:new":0}}}""",
            "/api/analytics/kpis/conversion" => "period,group,leads,won,rate",
            "/api/analytics/spend" =>
                """{"dimension":"channel","key":"ads","period":"2026-11","amount":{"amount":"1200.00","currency":"EUR"},"updatedAt":"2026-11-29T10:00:00Z"}""",
            "/api/analytics/summary" =>
                """{"from":"2026-11-01","to":"2026-11-29","totals":{"leadsCaptured":1,"leadsBySource":{"web-form":1},"leadsByChannel":{"web":1},"scoredByGrade":{"hot":1},"leadsAssigned":1,"messagesSent":1},"days":[]}""",
            _ => throw new InvalidOperationException($"No answer for {path}"),
        });
    }
}
