using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;

namespace Crm.Leads.Leads;

/// <summary>
/// The lead attributes exit criteria (and fit rules: <see cref="ScoringFields"/>, the one list) can name
/// (<c>budget</c>, <c>decisionDate</c> ..., <c>fields.&lt;key&gt;</c>), and whether a lead has them.
/// </summary>
public static class LeadFields
{
    public static IReadOnlyList<string> Names => ScoringFields.Named;

    public static bool IsKnown(string? field) => ScoringFields.IsKnown(field);

    public static bool IsPresent(Lead lead, string field) => ScoringFields.IsGiven(LeadScoring.SubjectOf(lead), field);

    /// <summary>Whether an activity of <paramref name="type"/> was logged on the lead.</summary>
    public static bool HasActivity(Lead lead, string type) => lead.Activities.Any(a => string.Equals(a.Type, type, StringComparison.Ordinal));
}
