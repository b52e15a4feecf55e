using System.Collections.Frozen;

namespace Crm.Leads.Scoring;

/// <summary>The signal types a lead records (engagement); a signal rule counts some of them.</summary>
public static class SignalTypes
{
    public const string PageView = "page-view";
    public const string Download = "download";
    public const string Click = "click";
    public const string FormSubmit = "form-submit";
    public const string EmailOpen = "email-open";
    public const string EmailClick = "email-click";
    public const string Reply = "reply";
    public const string Call = "call";
    public const string CartAdd = "cart-add";
    public const string CartAbandon = "cart-abandon";
    public const string Order = "order";

    /// <summary>A capture's <c>lastInteractionAt</c>.</summary>
    public const string Interaction = "interaction";

    /// <summary>The page count given at capture (undated: recorded at the capture's time).</summary>
    public const string CapturedPages = "captured-pages";

    /// <summary>A second capture for a contact that already has an open lead.</summary>
    public const string RepeatCapture = "repeat-capture";

    /// <summary>Every known type, in a stable order.</summary>
    public static IReadOnlyList<string> Known { get; } = Array.AsReadOnly(
    [
        PageView, Download, Click, FormSubmit, EmailOpen, EmailClick, Reply, Call, CartAdd, CartAbandon, Order,
        Interaction, CapturedPages, RepeatCapture,
    ]);

    private static readonly FrozenSet<string> KnownSet = Known.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>True for a type of <see cref="Known"/> (exact, lower-case).</summary>
    public static bool IsKnown(string? type) => type is not null && KnownSet.Contains(type);
}

/// <summary>
/// The signals of one type on one UTC day, aggregated: how many, and the first and last of them. A lead stores its
/// signals this way, so a busy lead's document stays small.
/// </summary>
public sealed record SignalBucket(string Type, DateOnly Day, int Count, DateTimeOffset First, DateTimeOffset Last);
