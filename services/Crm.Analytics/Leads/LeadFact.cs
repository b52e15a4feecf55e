using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Leads;

/// <summary>
/// What Analytics knows about one lead (a document of <c>lead_facts</c>, id = the lead's id), built only from events by
/// <see cref="LeadFactRules"/>: every field is a merge (earliest, latest by event time, or set union), so the same
/// facts come out whatever order the events arrive in and however often one is applied. Ids only: no name, address or
/// message text (see <c>Contacts/ContactLifecycle.cs</c>).
/// </summary>
public sealed record LeadFact : IDocument
{
    public required string Id { get; init; }
    /// <summary>The lead's contact (a pseudonymous id; removed by an erasure).</summary>
    public string? ContactId { get; init; }
    /// <summary>Whether <c>LeadCaptured</c> was applied: its attributes then win over the copies later events carry.</summary>
    public bool Captured { get; init; }
    public DateTimeOffset? CapturedAt { get; init; }
    public string? Channel { get; init; }
    public string? Source { get; init; }
    public string? Campaign { get; init; }
    public string? PipelineId { get; init; }
    /// <summary>The owner: the rep of the latest assignment (by event time).</summary>
    public string? OwnerRepId { get; init; }
    public string? OwnerTeamId { get; init; }
    /// <summary>Event time of the assignment that made <see cref="OwnerRepId"/> the owner.</summary>
    public DateTimeOffset? OwnerSince { get; init; }
    public DateTimeOffset? FirstAssignedAt { get; init; }
    /// <summary>Each stage the lead entered, at the earliest time known (a move's <c>fromStage</c> counts as entered no later than the move).</summary>
    public IReadOnlyList<StageEntry> Stages { get; init; } = [];
    public DateTimeOffset? WonAt { get; init; }
    /// <summary>The deal value as a decimal string, with <see cref="WonCurrency"/>.</summary>
    public string? WonAmount { get; init; }
    public string? WonCurrency { get; init; }
    public DateTimeOffset? LostAt { get; init; }
    public string? LostReason { get; init; }
    public DateTimeOffset? ReopenedAt { get; init; }
    /// <summary>Per rep, the earliest activity logged on the lead while they owned it (speed-to-lead reads the owner's).</summary>
    public IReadOnlyList<RepTouch> Touches { get; init; } = [];
    /// <summary>Per SLA (<c>first-contact</c>, <c>follow-up</c>), the earliest breach.</summary>
    public IReadOnlyList<SlaBreach> SlaBreaches { get; init; } = [];
    public long Version { get; init; } = 1;

    /// <summary>Won, and not reopened after the win.</summary>
    public bool IsWon => WonAt is { } won && (ReopenedAt is not { } reopened || reopened < won);

    /// <summary>The owner's first touch, if the owner touched the lead.</summary>
    public DateTimeOffset? FirstOwnerTouchAt =>
        OwnerRepId is null ? null : Touches.FirstOrDefault(t => t.RepId == OwnerRepId)?.At;

    public static LeadFact Empty(string leadId) => new() { Id = leadId, Version = 0 };
}

public sealed record StageEntry(string Stage, DateTimeOffset At);

public sealed record RepTouch(string RepId, DateTimeOffset At);

public sealed record SlaBreach(string Sla, DateTimeOffset At);

public static class LeadFactCollections
{
    /// <summary>
    /// Per-lead facts. KPIs of a capture cohort read a period by <c>capturedAt</c> (index <c>captured_at</c>); those of
    /// wins by <c>wonAt</c> (<c>won_at</c>); the erasure finds a contact's leads by <c>contactId</c> (<c>contact</c>).
    /// </summary>
    public static readonly DocumentCollection<LeadFact> LeadFacts = new DocumentCollection<LeadFact>("lead_facts")
        .Index("captured_at", i => i.Asc(x => x.CapturedAt).Asc(x => x.Id))
        .Index("won_at", i => i.Asc(x => x.WonAt).Asc(x => x.Id))
        .Index("contact", i => i.Asc(x => x.ContactId).Asc(x => x.Id));
}

/// <summary>Every read and write of lead facts (rendered by the catalog test).</summary>
public static class LeadFactQueries
{
    /// <summary>The leads captured from <paramref name="from"/> (included) to <paramref name="until"/> (excluded).</summary>
    public static Query<LeadFact> CapturedBetween(DateTimeOffset from, DateTimeOffset until) =>
        LeadFactCollections.LeadFacts.Find(Filter<LeadFact>.Gte(x => x.CapturedAt, from) & Filter<LeadFact>.Lt(x => x.CapturedAt, until))
            .OrderBy(x => x.CapturedAt);

    /// <summary>The leads won from <paramref name="from"/> (included) to <paramref name="until"/> (excluded) (a reopened one still has its <c>wonAt</c>).</summary>
    public static Query<LeadFact> WonBetween(DateTimeOffset from, DateTimeOffset until) =>
        LeadFactCollections.LeadFacts.Find(Filter<LeadFact>.Gte(x => x.WonAt, from) & Filter<LeadFact>.Lt(x => x.WonAt, until))
            .OrderBy(x => x.WonAt);

    /// <summary>The leads of a contact (the erasure).</summary>
    public static Query<LeadFact> OfContact(string contactId) =>
        LeadFactCollections.LeadFacts.Find(Filter<LeadFact>.Eq(x => x.ContactId, contactId)).OrderBy(x => x.ContactId);

    /// <summary>Forgets the contact of every lead fact naming it (the erasure; one set-based update that moves the version, so a consumer's write based on an older read fails and runs again).</summary>
    public static WriteOperation ForgetContact(string contactId) =>
        Write.Update(LeadFactCollections.LeadFacts, Filter<LeadFact>.Eq(x => x.ContactId, contactId), new Update<LeadFact>().Unset(x => x.ContactId).Inc(x => x.Version, 1), expectOne: false);
}
