using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Sla;

/// <summary>
/// The SLA policies, one document (<c>sla_policies/sla</c>), replaced whole through the API. Absent: <see cref="Default"/>
/// — first contact hot 15 minutes, warm 4 hours, cold 48 hours; follow-up 48 hours; all in the owner's working time.
/// </summary>
public sealed record SlaPolicies : IDocument
{
    public const string DocumentId = "sla";
    public const int MaxMinutes = 43_200;

    public string Id { get; init; } = DocumentId;
    public IReadOnlyList<SlaPolicy> Policies { get; init; } = [];
    public long Version { get; init; }

    public static SlaPolicies Default { get; } = new()
    {
        Policies =
        [
            new SlaPolicy(SlaKind.FirstContact, Grade.Hot, TimeSpan.FromMinutes(15))
            {
                ReassignAfter = TimeSpan.FromMinutes(15),
                EscalateAfter = TimeSpan.FromMinutes(30),
                EscalateToManagerAfter = TimeSpan.FromHours(2),
            },
            new SlaPolicy(SlaKind.FirstContact, Grade.Warm, TimeSpan.FromHours(4))
            {
                ReassignAfter = TimeSpan.FromHours(2),
                EscalateAfter = TimeSpan.FromHours(4),
                EscalateToManagerAfter = TimeSpan.FromHours(8),
            },
            new SlaPolicy(SlaKind.FirstContact, Grade.Cold, TimeSpan.FromHours(48)) { EscalateAfter = TimeSpan.FromHours(24) },
            new SlaPolicy(SlaKind.FollowUp, null, TimeSpan.FromHours(48)) { EscalateAfter = TimeSpan.FromHours(24) },
        ],
    };

    /// <summary>The policy for a clock of <paramref name="kind"/> on a lead of <paramref name="grade"/>; null: no clock.</summary>
    public SlaPolicy? For(SlaKind kind, Grade grade) =>
        Policies.FirstOrDefault(p => p.Kind == kind && (kind == SlaKind.FollowUp || p.Grade == grade));

    public SlaPoliciesDocument ToDocument() => new()
    {
        Policies = [.. Policies.Select(p => new SlaPolicyDocument
        {
            Sla = SlaLadder.WireName(p.Kind),
            Grade = p.Grade,
            TargetMinutes = Minutes(p.Target),
            WarningPercent = p.WarningPercent,
            ReassignAfterMinutes = Minutes(p.ReassignAfter),
            EscalateAfterMinutes = Minutes(p.EscalateAfter),
            EscalateToManagerAfterMinutes = Minutes(p.EscalateToManagerAfter),
        })],
        Version = Version,
    };

    /// <summary>Reads and validates a request: every problem at once, under the request's field names (<c>policies[0].targetMinutes</c>).</summary>
    public static SlaPolicies? Parse(SlaPoliciesDocument request, Dictionary<string, string[]> errors)
    {
        var policies = new List<SlaPolicy>();
        var requested = request.Policies ?? [];
        var seen = new HashSet<(SlaKind, Grade?)>();
        for (var i = 0; i < requested.Count; i++)
        {
            var at = $"policies[{i}]";
            var p = requested[i];
            SlaKind? kind = p?.Sla?.Trim().ToLowerInvariant() switch
            {
                "first-contact" => SlaKind.FirstContact,
                "follow-up" => SlaKind.FollowUp,
                _ => null,
            };
            if (p is null || kind is null)
            {
                errors[$"{at}.sla"] = ["Required: first-contact or follow-up."];
                continue;
            }

            if (kind == SlaKind.FirstContact && (p.Grade is not { } grade || !Enum.IsDefined(grade)))
            {
                errors[$"{at}.grade"] = ["Required for first-contact: hot, warm or cold."];
            }
            else if (kind == SlaKind.FollowUp && p.Grade is not null)
            {
                errors[$"{at}.grade"] = ["A follow-up policy applies to every grade: leave it out."];
            }
            else if (!seen.Add((kind.Value, p.Grade)))
            {
                errors[$"{at}"] = ["A second policy for the same SLA and grade."];
            }

            if (p.TargetMinutes is not (>= 1 and <= MaxMinutes))
            {
                errors[$"{at}.targetMinutes"] = [$"Required: 1 to {MaxMinutes}."];
            }

            if (p.WarningPercent is < 1 or > 99)
            {
                errors[$"{at}.warningPercent"] = ["1 to 99."];
            }

            foreach (var (field, value) in new[] { ("reassignAfterMinutes", p.ReassignAfterMinutes), ("escalateAfterMinutes", p.EscalateAfterMinutes), ("escalateToManagerAfterMinutes", p.EscalateToManagerAfterMinutes) })
            {
                if (value is < 0 or > MaxMinutes)
                {
                    errors[$"{at}.{field}"] = [$"0 to {MaxMinutes}."];
                }
            }

            policies.Add(new SlaPolicy(kind.Value, p.Grade, TimeSpan.FromMinutes(p.TargetMinutes ?? 1))
            {
                WarningPercent = p.WarningPercent ?? 80,
                ReassignAfter = Span(p.ReassignAfterMinutes),
                EscalateAfter = Span(p.EscalateAfterMinutes),
                EscalateToManagerAfter = Span(p.EscalateToManagerAfterMinutes),
            });
        }

        return errors.Count > 0 ? null : new SlaPolicies { Policies = policies };
    }

    private static TimeSpan? Span(int? minutes) => minutes is { } m ? TimeSpan.FromMinutes(m) : null;

    private static int? Minutes(TimeSpan? span) => span is { } s ? (int)s.TotalMinutes : null;
}
