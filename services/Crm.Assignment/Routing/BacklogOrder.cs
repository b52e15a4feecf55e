using Crm.Contracts.Api;

namespace Crm.Assignment.Routing;

/// <summary>
/// The order in which waiting leads are served: hot before warm before cold, then the oldest first (then by lead
/// id, so the order is total). Stores sort by (<see cref="Rank"/>, queuedAt, leadId).
/// </summary>
public static class BacklogOrder
{
    public static int Rank(Grade grade) => grade switch
    {
        Grade.Hot => 0,
        Grade.Warm => 1,
        Grade.Cold => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(grade), grade, "Unknown grade."),
    };

    /// <summary>Negative when <paramref name="a"/> is served before <paramref name="b"/>.</summary>
    public static int Compare((Grade Grade, DateTimeOffset QueuedAt, string LeadId) a, (Grade Grade, DateTimeOffset QueuedAt, string LeadId) b)
    {
        var byGrade = Rank(a.Grade).CompareTo(Rank(b.Grade));
        if (byGrade != 0)
        {
            return byGrade;
        }

        var byAge = a.QueuedAt.CompareTo(b.QueuedAt);
        return byAge != 0 ? byAge : string.CompareOrdinal(a.LeadId, b.LeadId);
    }

    /// <summary>Reads a grade as events carry it (<c>hot</c>, <c>warm</c>, <c>cold</c>; any case).</summary>
    public static bool TryParseGrade(string? value, out Grade grade)
    {
        switch (value?.Trim().ToUpperInvariant())
        {
            case "HOT":
                grade = Grade.Hot;
                return true;
            case "WARM":
                grade = Grade.Warm;
                return true;
            case "COLD":
                grade = Grade.Cold;
                return true;
            default:
                grade = default;
                return false;
        }
    }

    /// <summary>The grade as events and stores write it: lower-case.</summary>
    public static string Format(Grade grade) => grade switch
    {
        Grade.Hot => "hot",
        Grade.Warm => "warm",
        Grade.Cold => "cold",
        _ => throw new ArgumentOutOfRangeException(nameof(grade), grade, "Unknown grade."),
    };

    public static Grade Parse(string value) =>
        TryParseGrade(value, out var grade) ? grade : throw new FormatException($"'{value}' is not a grade.");
}
