using Crm.Contracts.Api.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Journeys;

/// <summary>
/// A journey, a document of <c>journeys</c> (its current version; id = the journey id) and of <c>journey_versions</c>
/// (every stored version, id <c>{id}@{version}</c>: running enrollments finish on theirs). The code defaults
/// (<see cref="DefaultJourneys"/>) are version 0. The trigger's event is a top-level field so the consumers find the
/// journeys of an event through the index <c>trigger_event</c>.
/// </summary>
public sealed record Journey : IDocument
{
    public required string Id { get; init; }
    /// <summary>The journey id of a <c>journey_versions</c> document (the same as <see cref="Id"/> in <c>journeys</c>).</summary>
    public required string JourneyId { get; init; }
    public required string Name { get; init; }
    public bool Active { get; init; } = true;
    /// <summary>The trigger's event type (<see cref="JourneyEvents"/>).</summary>
    public required string TriggerEvent { get; init; }
    public IReadOnlyList<JourneyConditionDocument> Conditions { get; init; } = [];
    public required IReadOnlyList<JourneyStepDocument> Steps { get; init; }
    public IReadOnlyList<string> StopOn { get; init; } = [];
    public string Reentry { get; init; } = JourneyReentry.Never;
    public int? ReentryAfterDays { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public string? UpdatedBy { get; init; }
    public long Version { get; init; }

    public static string VersionId(string journeyId, long version) => $"{journeyId}@{version}";

    public JourneyResponse ToResponse() => new()
    {
        Id = JourneyId,
        Name = Name,
        Active = Active,
        Trigger = new JourneyTriggerDocument { Event = TriggerEvent, Conditions = Conditions },
        Steps = Steps,
        StopOn = StopOn,
        Reentry = new JourneyReentryDocument { Rule = Reentry, AfterDays = ReentryAfterDays },
        Default = Version == 0,
        Version = Version,
        UpdatedAt = UpdatedAt,
        UpdatedBy = UpdatedBy,
    };
}

/// <summary>
/// A contact's enrollment in a journey, a document of <c>journey_enrollments</c> (id <c>{journeyId}:{contactId}:{entry}</c>):
/// the journey version it runs, the next step, its status and when its wait is due (the durable timer
/// <see cref="JourneyRunner.Kind"/>, key = this id). The stop rules are copied from its version at entry.
/// </summary>
public sealed record JourneyEnrollment : IDocument
{
    public required string Id { get; init; }
    public required string JourneyId { get; init; }
    public required long JourneyVersion { get; init; }
    public required string ContactId { get; init; }
    public string? LeadId { get; init; }
    public required int Entry { get; init; }
    public required int Step { get; init; }
    public required string Status { get; init; }
    public string? StopReason { get; init; }
    public IReadOnlyList<string> StopOn { get; init; } = [];
    /// <summary>The trigger's fields (what branch conditions read besides <c>contact.*</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Facts { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    public DateTimeOffset? NextDueAt { get; init; }
    public required DateTimeOffset EnteredAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public IReadOnlyList<string> MessageIds { get; init; } = [];
    /// <summary>A merge moved it to the survivor (set with <see cref="MergedFromContactId"/>).</summary>
    public string? MergeId { get; init; }
    public string? MergedFromContactId { get; init; }
    public long Version { get; init; }

    public static string IdOf(string journeyId, string contactId, int entry) => $"{journeyId}:{contactId}:{entry}";

    public JourneyEnrollmentResponse ToResponse() => new()
    {
        Id = Id,
        JourneyId = JourneyId,
        JourneyVersion = JourneyVersion,
        ContactId = ContactId,
        LeadId = LeadId,
        Entry = Entry,
        Step = Step,
        Status = Status,
        StopReason = StopReason,
        NextDueAt = Status == EnrollmentStatus.Active ? NextDueAt : null,
        EnteredAt = EnteredAt,
        EndedAt = EndedAt,
        MessageIds = MessageIds,
    };
}

public static class EnrollmentStatus
{
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Stopped = "stopped";
}

/// <summary>Re-entry rules.</summary>
public static class JourneyReentry
{
    public const string Never = "never";
    public const string After = "after";
    public const string Always = "always";

    public static readonly IReadOnlyList<string> All = [Never, After, Always];
}

/// <summary>What stops an enrollment (<see cref="JourneyEnrollment.StopOn"/>), and the other ends.</summary>
public static class JourneyStops
{
    /// <summary>The contact wrote to us (<c>InboundMessageReceived</c>).</summary>
    public const string Replied = "replied";
    public const string Won = "won";
    public const string Lost = "lost";
    /// <summary><c>ConsentChanged</c>: a channel withdrawn, or do-not-contact set.</summary>
    public const string ConsentWithdrawn = "consent-withdrawn";
    /// <summary><c>OrderPlaced</c>.</summary>
    public const string Ordered = "ordered";

    public static readonly IReadOnlyList<string> All = [Replied, Won, Lost, ConsentWithdrawn, Ordered];

    public const string Manual = "manual";
    public const string NoBirthday = "no-birthday";
    public const string Erased = "erased";
    /// <summary>A merge left the survivor two enrollments of the journey: the less advanced one stops.</summary>
    public const string Merged = "merged";
}

public static class StepTypes
{
    public const string Wait = "wait";
    public const string WaitUntil = "wait-until";
    public const string Send = "send";
    public const string Branch = "branch";

    public static readonly IReadOnlyList<string> All = [Wait, WaitUntil, Send, Branch];
}

/// <summary>Journeys: the current versions, every version, and the enrollments.</summary>
public static class JourneyCollections
{
    /// <summary><c>trigger_event</c>: the journeys an event may enroll into; <c>journey</c>: the list.</summary>
    public static readonly DocumentCollection<Journey> Journeys = new DocumentCollection<Journey>("journeys")
        .Index("trigger_event", i => i.Asc(j => j.TriggerEvent).Asc(j => j.Id));

    /// <summary><c>journey_version</c>: a journey's versions, newest first.</summary>
    public static readonly DocumentCollection<Journey> Versions = new DocumentCollection<Journey>("journey_versions")
        .Index("journey_version", i => i.Asc(j => j.JourneyId).Desc(j => j.Version).Asc(j => j.Id));

    /// <summary><c>contact_journey</c>: a contact's enrollments (all, of one journey, the active ones to stop; merges and erasure).</summary>
    public static readonly DocumentCollection<JourneyEnrollment> Enrollments = new DocumentCollection<JourneyEnrollment>("journey_enrollments")
        .Index("contact_journey", i => i.Asc(e => e.ContactId).Asc(e => e.JourneyId).Desc(e => e.Entry).Asc(e => e.Id));
}

/// <summary>Every read and conditional write of journeys (rendered by the catalog test).</summary>
public static class JourneyQueries
{
    /// <summary>The stored journeys triggered by <paramref name="eventType"/> (index <c>trigger_event</c>).</summary>
    public static Query<Journey> TriggeredBy(string eventType) =>
        JourneyCollections.Journeys.Find(Filter<Journey>.Eq(j => j.TriggerEvent, eventType)).OrderBy(j => j.Id).Take(MaxJourneys);

    /// <summary>Every stored journey (few: configuration), by id (the primary key).</summary>
    public static Query<Journey> All() =>
        JourneyCollections.Journeys.Find(Filter<Journey>.All).OrderBy(j => j.Id).Take(MaxJourneys);

    /// <summary>A journey's stored versions, newest first (index <c>journey_version</c>).</summary>
    public static Query<Journey> VersionsOf(string journeyId) =>
        JourneyCollections.Versions.Find(Filter<Journey>.Eq(j => j.JourneyId, journeyId)).OrderByDescending(j => j.Version).Take(MaxVersions);

    /// <summary>A contact's enrollments in a journey, the latest entry first (index <c>contact_journey</c>).</summary>
    public static Query<JourneyEnrollment> OfContactInJourney(string contactId, string journeyId) =>
        JourneyCollections.Enrollments.Find(Filter<JourneyEnrollment>.Eq(e => e.ContactId, contactId) & Filter<JourneyEnrollment>.Eq(e => e.JourneyId, journeyId))
            .OrderBy(e => e.ContactId).ThenBy(e => e.JourneyId).ThenByDescending(e => e.Entry).Take(1);

    /// <summary>A contact's enrollments (index <c>contact_journey</c>).</summary>
    public static Query<JourneyEnrollment> OfContact(string contactId) =>
        JourneyCollections.Enrollments.Find(Filter<JourneyEnrollment>.Eq(e => e.ContactId, contactId))
            .OrderBy(e => e.ContactId).ThenBy(e => e.JourneyId).ThenByDescending(e => e.Entry).Take(MaxPerContact);

    /// <summary>A contact's active enrollments (index <c>contact_journey</c>, then the status).</summary>
    public static Query<JourneyEnrollment> ActiveOfContact(string contactId) =>
        JourneyCollections.Enrollments.Find(Filter<JourneyEnrollment>.Eq(e => e.ContactId, contactId) & Filter<JourneyEnrollment>.Eq(e => e.Status, EnrollmentStatus.Active))
            .OrderBy(e => e.ContactId).ThenBy(e => e.JourneyId).ThenByDescending(e => e.Entry).Take(MaxPerContact);

    /// <summary>Every enrollment of <paramref name="from"/> moved to <paramref name="to"/>, marked with the merge (index <c>contact_journey</c>).</summary>
    public static WriteOperation MoveToSurvivor(string mergeId, string from, string to) =>
        Write.Update(
            JourneyCollections.Enrollments,
            Filter<JourneyEnrollment>.Eq(e => e.ContactId, from),
            new Update<JourneyEnrollment>().Set(e => e.ContactId, to).Set(e => e.MergedFromContactId, from).Set(e => e.MergeId, mergeId).Inc(e => e.Version, 1),
            expectOne: false);

    /// <summary>Exactly the enrollments <paramref name="mergeId"/> moved from <paramref name="restoredId"/>, moved back.</summary>
    public static WriteOperation MoveBack(string mergeId, string survivorId, string restoredId) =>
        Write.Update(
            JourneyCollections.Enrollments,
            Filter<JourneyEnrollment>.Eq(e => e.ContactId, survivorId) & Filter<JourneyEnrollment>.Eq(e => e.MergeId, mergeId) & Filter<JourneyEnrollment>.Eq(e => e.MergedFromContactId, restoredId),
            new Update<JourneyEnrollment>().Set(e => e.ContactId, restoredId).Unset(e => e.MergedFromContactId).Unset(e => e.MergeId).Inc(e => e.Version, 1),
            expectOne: false);

    /// <summary>Every enrollment of an erased contact, deleted (index <c>contact_journey</c>).</summary>
    public static WriteOperation DeleteOfContact(string contactId) =>
        Write.Delete(JourneyCollections.Enrollments, Filter<JourneyEnrollment>.Eq(e => e.ContactId, contactId), expectOne: false);

    public const int MaxJourneys = 200;
    public const int MaxVersions = 100;
    public const int MaxPerContact = 500;
}
