namespace Crm.Contracts.Api.Messaging;

/// <summary>
/// A journey as written (<c>PUT /api/messaging/journeys/{id}</c>): what enrolls a contact (<see cref="Trigger"/>), the
/// steps each enrolled contact goes through, what stops an enrollment and whether a contact may enter again.
/// </summary>
public sealed record JourneyRequest
{
    /// <summary>A display name (at most 200 characters).</summary>
    public string? Name { get; init; }

    /// <summary>False: no new contact enters (running enrollments finish). Default true.</summary>
    public bool? Active { get; init; }

    /// <summary>The event that enrolls the contact it is about, and conditions on its fields.</summary>
    public JourneyTriggerDocument? Trigger { get; init; }

    /// <summary>The steps, run in order from the first (a branch may jump).</summary>
    public IReadOnlyList<JourneyStepDocument>? Steps { get; init; }

    /// <summary>What ends an enrollment early: <c>replied</c>, <c>won</c>, <c>lost</c>, <c>consent-withdrawn</c>, <c>ordered</c>.</summary>
    public IReadOnlyList<string>? StopOn { get; init; }

    /// <summary>Whether a contact whose enrollment ended may enter again. Default <c>never</c>.</summary>
    public JourneyReentryDocument? Reentry { get; init; }
}

/// <summary>The event that enrolls a contact, and the conditions its fields must meet (all of them).</summary>
public sealed record JourneyTriggerDocument
{
    /// <summary>
    /// <c>LeadAssigned</c>, <c>SegmentMembershipChanged</c>, <c>InteractionRecorded</c> (one per interaction: <c>type</c>,
    /// <c>leadId</c>...), <c>OrderPlaced</c>, <c>ContactUpdated</c>.
    /// </summary>
    public string? Event { get; init; }

    /// <summary>All must hold; a field is the event's property in camelCase (a list matches when any of its items does).</summary>
    public IReadOnlyList<JourneyConditionDocument>? Conditions { get; init; }
}

/// <summary>A condition on a field: <c>eq</c> / <c>ne</c> one of <see cref="Values"/> (<c>in</c> = <c>eq</c>), <c>exists</c> / <c>missing</c>.</summary>
public sealed record JourneyConditionDocument
{
    /// <summary>The field (camelCase, e.g. <c>segmentId</c>, <c>type</c>, <c>grade</c>; in a branch also <c>contact.country</c>, <c>contact.locale</c>, <c>contact.hasEmail</c>, <c>contact.hasPhone</c>).</summary>
    public string? Field { get; init; }

    /// <summary><c>eq</c>, <c>in</c>, <c>ne</c>, <c>exists</c>, <c>missing</c>.</summary>
    public string? Op { get; init; }

    /// <summary>The values compared with (ordinal, case-insensitive); none for <c>exists</c> / <c>missing</c>.</summary>
    public IReadOnlyList<string>? Values { get; init; }
}

/// <summary>
/// A step: <c>wait</c> (<see cref="Duration"/>), <c>wait-until</c> (<see cref="TimeOfDay"/> in the contact's zone, on the
/// contact's birthday when <see cref="OnBirthday"/>), <c>send</c> (<see cref="Template"/> on <see cref="Channel"/>, else
/// on <see cref="FallbackChannel"/> when the contact has no address or consent for the first), <c>branch</c> (to step
/// <see cref="GoTo"/> when <see cref="If"/> holds, always without one; else the next step).
/// </summary>
public sealed record JourneyStepDocument
{
    /// <summary><c>wait</c>, <c>wait-until</c>, <c>send</c>, <c>branch</c>.</summary>
    public string? Type { get; init; }

    /// <summary><c>wait</c>: <c>d.hh:mm:ss</c> (e.g. <c>1.00:00:00</c>, <c>01:00:00</c>), from 1 minute to 400 days.</summary>
    public string? Duration { get; init; }

    /// <summary><c>wait-until</c>: <c>HH:mm</c> on the contact's wall clock.</summary>
    public string? TimeOfDay { get; init; }

    /// <summary><c>wait-until</c>: only on the contact's birthday (Contacts' <c>birthday</c>; 29 February is the 28th in other years).</summary>
    public bool? OnBirthday { get; init; }

    /// <summary><c>send</c>: the template key (it must exist on the channel, and on the fallback channel).</summary>
    public string? Template { get; init; }

    /// <summary><c>send</c>: <c>email</c>, <c>sms</c> or <c>whatsapp</c>.</summary>
    public string? Channel { get; init; }

    /// <summary><c>send</c>: another channel tried when the contact has no address or consent for <see cref="Channel"/>.</summary>
    public string? FallbackChannel { get; init; }

    /// <summary><c>branch</c>: the condition (on the trigger's fields and <c>contact.*</c>); none: always.</summary>
    public JourneyConditionDocument? If { get; init; }

    /// <summary><c>branch</c>: the step (0-based) to go to.</summary>
    public int? GoTo { get; init; }
}

/// <summary>Re-entry of a contact whose enrollment ended (an active enrollment is never entered twice).</summary>
public sealed record JourneyReentryDocument
{
    /// <summary><c>never</c>, <c>after</c> (<see cref="AfterDays"/> after the last enrollment ended) or <c>always</c>.</summary>
    public string? Rule { get; init; }

    /// <summary><c>after</c>: days, 1 to 3650.</summary>
    public int? AfterDays { get; init; }
}

/// <summary>A journey (stored, or one of the platform's defaults: version 0).</summary>
public sealed record JourneyResponse
{
    /// <summary>The journey's id (lower-case letters, digits and '-').</summary>
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required bool Active { get; init; }

    public required JourneyTriggerDocument Trigger { get; init; }

    public required IReadOnlyList<JourneyStepDocument> Steps { get; init; }

    public required IReadOnlyList<string> StopOn { get; init; }

    public required JourneyReentryDocument Reentry { get; init; }

    /// <summary>True: the platform's default (version 0), until a stored version replaces it.</summary>
    public required bool Default { get; init; }

    /// <summary>The version (also the ETag); new enrollments run this one, running ones finish on theirs.</summary>
    public required long Version { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Who stored this version (an actor id).</summary>
    public string? UpdatedBy { get; init; }
}

/// <summary>A contact's enrollment in a journey.</summary>
public sealed record JourneyEnrollmentResponse
{
    /// <summary>The enrollment's id (<c>{journeyId}:{contactId}:{entry}</c>).</summary>
    public required string Id { get; init; }

    public required string JourneyId { get; init; }

    /// <summary>The journey version it runs (a newer version applies to new entries only).</summary>
    public required long JourneyVersion { get; init; }

    public required string ContactId { get; init; }

    /// <summary>The lead of the trigger, when it had one.</summary>
    public string? LeadId { get; init; }

    /// <summary>How many times the contact entered this journey (1 the first time).</summary>
    public required int Entry { get; init; }

    /// <summary>The next step to run (0-based; the number of steps once completed).</summary>
    public required int Step { get; init; }

    /// <summary><c>active</c>, <c>completed</c> or <c>stopped</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Why it stopped: <c>replied</c>, <c>won</c>, <c>lost</c>, <c>consent-withdrawn</c>, <c>ordered</c>, <c>manual</c>, <c>erased</c>, <c>no-birthday</c>.</summary>
    public string? StopReason { get; init; }

    /// <summary>When its waiting step is due (active only).</summary>
    public DateTimeOffset? NextDueAt { get; init; }

    public required DateTimeOffset EnteredAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The messages its send steps queued (ids, oldest first).</summary>
    public IReadOnlyList<string> MessageIds { get; init; } = [];
}
