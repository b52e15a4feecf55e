using Microsoft.ML.Data;

namespace Crm.Leads.Prediction;

/// <summary>
/// One lead as ML.NET sees it. Column names are the <see cref="ConversionFactor.Feature"/> names, so a slot of the
/// feature vector maps back to its feature by name (<c>calls</c>, or <c>channel.whatsapp</c> for a one-hot slot).
/// </summary>
internal sealed class ConversionRow
{
    [ColumnName("source")] public string Source { get; set; } = ConversionRowMapping.None;
    [ColumnName("channel")] public string Channel { get; set; } = ConversionRowMapping.None;
    [ColumnName("campaign")] public string Campaign { get; set; } = ConversionRowMapping.None;
    [ColumnName("region")] public string Region { get; set; } = ConversionRowMapping.None;
    [ColumnName("interest")] public string Interest { get; set; } = ConversionRowMapping.None;
    [ColumnName("fitScore")] public float FitScore { get; set; }
    [ColumnName("engagementScore")] public float EngagementScore { get; set; }
    [ColumnName("pagesVisited")] public float PagesVisited { get; set; }
    [ColumnName("pageViews")] public float PageViews { get; set; }
    [ColumnName("downloads")] public float Downloads { get; set; }
    [ColumnName("clicks")] public float Clicks { get; set; }
    [ColumnName("formSubmits")] public float FormSubmits { get; set; }
    [ColumnName("emailOpens")] public float EmailOpens { get; set; }
    [ColumnName("emailClicks")] public float EmailClicks { get; set; }
    [ColumnName("replies")] public float Replies { get; set; }
    [ColumnName("calls")] public float Calls { get; set; }
    [ColumnName("cartEvents")] public float CartEvents { get; set; }
    [ColumnName("orders")] public float Orders { get; set; }
    [ColumnName("hasName")] public float HasName { get; set; }
    [ColumnName("hasEmail")] public float HasEmail { get; set; }
    [ColumnName("hasPhone")] public float HasPhone { get; set; }
    [ColumnName("budgetAmount")] public float BudgetAmount { get; set; }
    [ColumnName("daysToDecision")] public float DaysToDecision { get; set; }
    [ColumnName("minutesToFirstTouch")] public float MinutesToFirstTouch { get; set; }
    [ColumnName("minutesToAssignment")] public float MinutesToAssignment { get; set; }
    [ColumnName(ConversionRowMapping.LabelColumn)] public bool Label { get; set; }
}

/// <summary>What the prediction engine hands back: the calibrated probability and one contribution per feature slot.</summary>
internal sealed class ConversionOutput
{
    [ColumnName("Probability")] public float Probability { get; set; }
    [ColumnName(ConversionRowMapping.ContributionsColumn)] public float[] FeatureContributions { get; set; } = [];
}
