using System.Globalization;

namespace Crm.Leads.Prediction;

/// <summary>
/// Maps <see cref="ConversionFeatures"/> to <see cref="ConversionRow"/> and feature-vector slots back to readable
/// factors.
/// <para>
/// Unknown optional numbers become <see cref="Unknown"/> (-1), below every real value (those are clamped to 0 and
/// up), so a tree splits "unknown" from "known" at one threshold. They are not passed as NaN: ML.NET's FastTree
/// drops every training row that has a NaN feature ("Skipped N instances with missing features"), which would
/// train on the known-budget leads only.
/// </para>
/// </summary>
internal static class ConversionRowMapping
{
    public const string None = "none";
    public const float Unknown = -1f;
    public const string LabelColumn = "Label";
    public const string FeaturesColumn = "Features";
    public const string ContributionsColumn = "FeatureContributions";

    /// <summary>The categorical columns, one-hot encoded in place (slots named <c>channel.whatsapp</c>).</summary>
    public static readonly string[] CategoricalColumns = ["source", "channel", "campaign", "region", "interest"];

    /// <summary>Every column concatenated into the feature vector, in order.</summary>
    public static readonly string[] FeatureColumns =
    [
        .. CategoricalColumns,
        "fitScore", "engagementScore", "pagesVisited", "pageViews", "downloads", "clicks", "formSubmits", "emailOpens",
        "emailClicks", "replies", "calls", "cartEvents", "orders", "hasName", "hasEmail", "hasPhone",
        "budgetAmount", "daysToDecision", "minutesToFirstTouch", "minutesToAssignment",
    ];

    public static ConversionRow ToRow(ConversionFeatures features, bool won = false) => new()
    {
        Source = Category(features.Source),
        Channel = Category(features.Channel),
        Campaign = Category(features.Campaign),
        Region = Category(features.Region),
        Interest = Category(features.Interest),
        FitScore = Finite(features.FitScore),
        EngagementScore = Finite(features.EngagementScore),
        PagesVisited = Finite(features.PagesVisited),
        PageViews = Finite(features.PageViews),
        Downloads = Finite(features.Downloads),
        Clicks = Finite(features.Clicks),
        FormSubmits = Finite(features.FormSubmits),
        EmailOpens = Finite(features.EmailOpens),
        EmailClicks = Finite(features.EmailClicks),
        Replies = Finite(features.Replies),
        Calls = Finite(features.Calls),
        CartEvents = Finite(features.CartEvents),
        Orders = Finite(features.Orders),
        HasName = features.HasName ? 1f : 0f,
        HasEmail = features.HasEmail ? 1f : 0f,
        HasPhone = features.HasPhone ? 1f : 0f,
        BudgetAmount = Optional(features.BudgetAmount),
        DaysToDecision = Optional(features.DaysToDecision),
        MinutesToFirstTouch = Optional(features.MinutesToFirstTouch),
        MinutesToAssignment = Optional(features.MinutesToAssignment),
        Label = won,
    };

    /// <summary>Trimmed, lower-cased; null or blank is <c>none</c>.</summary>
    public static string Category(string? value) =>
        string.IsNullOrWhiteSpace(value) ? None : value.Trim().ToLowerInvariant();

    /// <summary>The feature (column) a slot of the feature vector belongs to: <c>channel.whatsapp</c> → <c>channel</c>.</summary>
    public static string FeatureOfSlot(string slotName)
    {
        foreach (var column in CategoricalColumns)
        {
            if (slotName.Length > column.Length && slotName.StartsWith(column, StringComparison.Ordinal) && slotName[column.Length] == '.')
            {
                return column;
            }
        }

        return slotName;
    }

    /// <summary>The lead's value of a feature as a phrase: "channel is whatsapp", "calls = 3", "never touched".</summary>
    public static string Describe(string feature, ConversionFeatures f) => feature switch
    {
        "source" => $"source is {Category(f.Source)}",
        "channel" => $"channel is {Category(f.Channel)}",
        "campaign" => $"campaign is {Category(f.Campaign)}",
        "region" => $"region is {Category(f.Region)}",
        "interest" => $"interest is {Category(f.Interest)}",
        "fitScore" => Number("fit score", f.FitScore),
        "engagementScore" => Number("engagement score", f.EngagementScore),
        "pagesVisited" => Number("pages visited", f.PagesVisited),
        "pageViews" => Number("page views", f.PageViews),
        "downloads" => Number("downloads", f.Downloads),
        "clicks" => Number("clicks", f.Clicks),
        "formSubmits" => Number("form submits", f.FormSubmits),
        "emailOpens" => Number("email opens", f.EmailOpens),
        "emailClicks" => Number("email clicks", f.EmailClicks),
        "replies" => Number("replies", f.Replies),
        "calls" => Number("calls", f.Calls),
        "cartEvents" => Number("cart events", f.CartEvents),
        "orders" => Number("orders", f.Orders),
        "hasName" => f.HasName ? "name given" : "no name",
        "hasEmail" => f.HasEmail ? "email given" : "no email",
        "hasPhone" => f.HasPhone ? "phone given" : "no phone",
        "budgetAmount" => Known(f.BudgetAmount) is { } budget ? Number("budget", budget) : "budget unknown",
        "daysToDecision" => Known(f.DaysToDecision) is { } days ? Number("days to decision", days) : "days to decision unknown",
        "minutesToFirstTouch" => Known(f.MinutesToFirstTouch) is { } touch ? Number("minutes to first touch", touch) : "never touched",
        "minutesToAssignment" => Known(f.MinutesToAssignment) is { } assigned ? Number("minutes to assignment", assigned) : "not assigned",
        _ => feature,
    };

    private static string Number(string label, float value) =>
        string.Create(CultureInfo.InvariantCulture, $"{label} = {Finite(value):0.##}");

    private static float Finite(float value) => float.IsFinite(value) ? value : 0f;

    private static float? Known(float? value) => value is { } v && !float.IsNaN(v) ? Math.Max(0f, Finite(v)) : null;

    private static float Optional(float? value) => Known(value) ?? Unknown;
}
