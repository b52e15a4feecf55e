using Crm.ServiceDefaults.Http;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.Leads.Scoring;

namespace Crm.Leads.Prediction;

/// <summary>What the model sees of a lead (pure): its source and channel, what is known of the person, the score's parts, signal counts and how fast the company answered.</summary>
public static class LeadFeatures
{
    /// <summary>Activities that count as touching the lead (a rep answering it).</summary>
    public static readonly IReadOnlySet<string> Touches = new HashSet<string>(["call", "email", "sms", "whatsapp", "meeting"], StringComparer.Ordinal);

    public static ConversionFeatures Of(Lead lead)
    {
        int Count(params string[] types) => lead.Signals.Where(b => types.Contains(b.Type, StringComparer.Ordinal)).Sum(b => b.Count);
        var firstTouch = lead.Activities.Where(a => Touches.Contains(a.Type)).Select(a => (DateTimeOffset?)a.At).Min();
        return new ConversionFeatures
        {
            Source = lead.Source,
            Channel = WireNames.Of(lead.Channel),
            Campaign = lead.Campaign,
            Region = lead.Region,
            Interest = lead.Interest,
            FitScore = lead.Fit,
            EngagementScore = lead.Engagement,
            PagesVisited = lead.PagesVisited,
            PageViews = Count(SignalTypes.PageView),
            Downloads = Count(SignalTypes.Download),
            Clicks = Count(SignalTypes.Click),
            FormSubmits = Count(SignalTypes.FormSubmit, SignalTypes.RepeatCapture),
            EmailOpens = Count(SignalTypes.EmailOpen),
            EmailClicks = Count(SignalTypes.EmailClick),
            Replies = Count(SignalTypes.Reply),
            Calls = Count(SignalTypes.Call) + lead.Activities.Count(a => a.Type == "call"),
            CartEvents = Count(SignalTypes.CartAdd, SignalTypes.CartAbandon),
            Orders = Count(SignalTypes.Order),
            HasName = !string.IsNullOrWhiteSpace(lead.Name),
            HasEmail = !string.IsNullOrWhiteSpace(lead.Email),
            HasPhone = !string.IsNullOrWhiteSpace(lead.Phone),
            BudgetAmount = lead.Budget is { } budget && MoneyValues.AmountOf(budget) is { } amount ? (float)amount : null,
            DaysToDecision = lead.DecisionDate is { } date ? date.DayNumber - DateOnly.FromDateTime(lead.CapturedAt.UtcDateTime).DayNumber : null,
            MinutesToFirstTouch = firstTouch is { } touch ? (float)Math.Max(0, (touch - lead.CapturedAt).TotalMinutes) : null,
            MinutesToAssignment = lead.AssignedAt is { } assigned ? (float)Math.Max(0, (assigned - lead.CapturedAt).TotalMinutes) : null,
        };
    }

    public static LabeledLead Labeled(Lead lead) => new(Of(lead), lead.Status == LeadStatus.Won);
}
