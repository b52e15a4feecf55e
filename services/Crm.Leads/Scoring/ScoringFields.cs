using System.Collections.Frozen;
using System.Globalization;

namespace Crm.Leads.Scoring;

/// <summary>The lead fields fit rules can test: named ones and <c>fields.&lt;key&gt;</c> (a free field).</summary>
public static class ScoringFields
{
    public const string Name = "name";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string Source = "source";
    public const string Channel = "channel";
    public const string Budget = "budget";
    public const string DecisionDate = "decisionDate";
    public const string Interest = "interest";
    public const string Region = "region";
    public const string Campaign = "campaign";

    /// <summary>Prefix of a free field: <c>fields.industry</c> reads the lead's free field <c>industry</c>.</summary>
    public const string FreeFieldPrefix = "fields.";

    /// <summary>The named fields (besides <c>fields.&lt;key&gt;</c>).</summary>
    public static IReadOnlyList<string> Named { get; } = Array.AsReadOnly(
        [Name, Email, Phone, Source, Channel, Budget, DecisionDate, Interest, Region, Campaign]);

    private static readonly FrozenSet<string> NamedSet = Named.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>True for a named field or <c>fields.&lt;key&gt;</c> with a non-empty key.</summary>
    public static bool IsKnown(string? field) =>
        field is not null
        && (NamedSet.Contains(field)
            || (field.Length > FreeFieldPrefix.Length
                && field.StartsWith(FreeFieldPrefix, StringComparison.Ordinal)
                && !string.IsNullOrWhiteSpace(field[FreeFieldPrefix.Length..])));

    /// <summary>The field's value as text (budget as an invariant decimal, decision date as <c>yyyy-MM-dd</c>); null when not given or unknown.</summary>
    public static string? ValueOf(ScoringSubject subject, string field) => field switch
    {
        Name => subject.Name,
        Email => subject.Email,
        Phone => subject.Phone,
        Source => subject.Source,
        Channel => subject.Channel,
        Budget => subject.BudgetAmount?.ToString(CultureInfo.InvariantCulture),
        DecisionDate => subject.DecisionDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Interest => subject.Interest,
        Region => subject.Region,
        Campaign => subject.Campaign,
        _ when field.StartsWith(FreeFieldPrefix, StringComparison.Ordinal)
            && subject.Fields.TryGetValue(field[FreeFieldPrefix.Length..], out var value) => value,
        _ => null,
    };

    /// <summary>True when the field has a value that is not blank.</summary>
    public static bool IsGiven(ScoringSubject subject, string field) => !string.IsNullOrWhiteSpace(ValueOf(subject, field));

    /// <summary>The field's name for people: <c>e-mail</c>, <c>decision date</c>; others as written.</summary>
    public static string Label(string field) => field switch
    {
        Email => "e-mail",
        DecisionDate => "decision date",
        _ => field,
    };
}
