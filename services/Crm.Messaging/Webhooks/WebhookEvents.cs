using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;

namespace Crm.Messaging.Webhooks;

/// <summary>What a delivery carries about one platform event: ids and codes only, never personal data.</summary>
public sealed record WebhookEventData(string Type, Guid EventId, DateTimeOffset OccurredAt, object Data);

/// <summary>One public event name, the contract it is made from, and what of it is delivered.</summary>
public sealed record WebhookEventType(string Name, Type Contract, Func<object, WebhookEventData> Describe)
{
    /// <summary>The queue of its consumer (<c>messaging-webhook-{name}</c>, dots as dashes).</summary>
    public string QueueName => $"webhook-{Name.Replace('.', '-')}";
}

/// <summary>
/// The platform's public event names for webhooks (a fixed list, documented in the README and contracts/README) and
/// the data each delivers. Payloads carry ids, codes, amounts and stages, never a name, an address or a phone
/// (<c>LeadCaptured</c>'s name / e-mail / phone, <c>LeadAssigned</c>'s rep name and <c>MessageSent</c>'s <c>To</c> are
/// left out; a <c>CallLogged</c> carries neither the number nor the recording URL), so erasure has nothing to delete here and a merge changes nothing already sent.
/// </summary>
public static class WebhookEvents
{
    public const string LeadCaptured = "lead.captured";
    public const string LeadScored = "lead.scored";
    public const string LeadAssigned = "lead.assigned";
    public const string LeadStageChanged = "lead.stage-changed";
    public const string LeadWon = "lead.won";
    public const string LeadLost = "lead.lost";
    public const string LeadReopened = "lead.reopened";
    public const string MessageSent = "message.sent";
    public const string CallLogged = "call.logged";

    public static readonly IReadOnlyList<WebhookEventType> All =
    [
        Of<LeadCaptured>(LeadCaptured, e => (e.EventId, e.OccurredAt, new { e.LeadId, e.ContactId, e.Source, e.Channel, e.Campaign, e.PipelineId })),
        Of<LeadScored>(LeadScored, e => (e.EventId, e.OccurredAt, new { e.LeadId, e.ContactId, e.Score, e.Grade, e.PreviousScore, e.PreviousGrade })),
        Of<LeadAssigned>(LeadAssigned, e => (e.EventId, e.OccurredAt, new { e.LeadId, e.ContactId, e.RepId, e.TeamId, e.PreviousRepId })),
        Of<LeadStageChanged>(LeadStageChanged, e => (e.EventId, e.OccurredAt, new { e.LeadId, e.ContactId, e.PipelineId, e.FromStage, e.ToStage, e.OwnerId })),
        Of<LeadWon>(LeadWon, e => (e.EventId, e.OccurredAt, new { e.LeadId, e.ContactId, e.PipelineId, e.Stage, Amount = new { e.Amount, e.Currency }, e.OwnerId })),
        Of<LeadLost>(LeadLost, e => (e.EventId, e.OccurredAt, new { e.LeadId, e.ContactId, e.PipelineId, e.Stage, e.Reason, e.OwnerId })),
        Of<LeadReopened>(LeadReopened, e => (e.EventId, e.OccurredAt, new { e.LeadId, e.ContactId, e.Stage, e.PreviousStatus, e.OwnerId })),
        Of<MessageSent>(MessageSent, e => (e.EventId, e.OccurredAt, new { e.MessageId, e.ContactId, e.LeadId, e.Channel, e.Template })),
        Of<CallLogged>(CallLogged, e => (e.EventId, e.OccurredAt, new { e.MessageId, e.ContactId, e.LeadId, e.Direction, e.Outcome, e.StartedAt, e.DurationSeconds, e.RepId, e.ProviderCallId })),
    ];

    public static readonly IReadOnlySet<string> Names = All.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

    public static WebhookEventType For(Type contract) => All.Single(t => t.Contract == contract);

    private static WebhookEventType Of<T>(string name, Func<T, (Guid EventId, DateTimeOffset OccurredAt, object Data)> describe)
        where T : class =>
        new(name, typeof(T), e =>
        {
            var (eventId, occurredAt, data) = describe((T)e);
            return new WebhookEventData(name, eventId, occurredAt, data);
        });
}
