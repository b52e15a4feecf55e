using Crm.Assignment.Routing;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Reps;

/// <summary>
/// A sales rep (a document of <c>reps</c>). <see cref="Version"/> counts changes to
/// name, capacity, active, team, presence, skills, weight and working hours (what <c>If-Match</c> protects); <see cref="OpenLeads"/> moves with assignments without
/// changing it, so both are only ever changed by field updates, never by replacing the whole document.
/// </summary>
public sealed record Rep : IDocument
{
    public const int NameMaxLength = 200;
    public const int MinCapacity = 1;
    public const int MaxCapacity = 10_000;
    public const int TeamIdMaxLength = 100;
    public const int MaxWeight = 100;
    public const int MaxSkills = 50;
    public const int MaxSkillLevel = 5;

    public required string Id { get; init; }
    public required string Name { get; init; }
    public required int Capacity { get; init; }
    public required bool Active { get; init; }
    public int OpenLeads { get; init; }
    /// <summary>Available, away or offline (reps stored before it existed read as available).</summary>
    public Presence Presence { get; init; }
    /// <summary>The rep's team (team leads see its leads), or null.</summary>
    public string? TeamId { get; init; }
    /// <summary>Skills (lower-case names) and levels 1–5.</summary>
    public IReadOnlyDictionary<string, int> Skills { get; init; } = new Dictionary<string, int>();
    /// <summary>Share of leads under weighted rules, 1–100 (reps stored before it existed read as 1).</summary>
    public int Weight { get; init; } = 1;
    /// <summary>Working hours and holidays in the rep's time zone; null: always at work.</summary>
    public WorkingHours? WorkingHours { get; init; }
    /// <summary>The rep's work e-mail address (lower-case; where Messaging sends SLA alerts), or null.</summary>
    public string? Email { get; init; }
    /// <summary>The rep's work phone in E.164, or null.</summary>
    public string? Phone { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>Who created the rep (the admin key or person); null for reps created before it was recorded.</summary>
    public Actor? CreatedBy { get; init; }
    /// <summary>Who made the last change of the rep's settings; null until the first change.</summary>
    public Actor? UpdatedBy { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>Given new leads: active and available.</summary>
    public bool TakesLeads => Active && Presence == Presence.Available;

    /// <summary>
    /// Whether the caller may see and act on what is this rep's own (presence, queue, notifications): the rep themselves,
    /// their team lead, a manager, an admin or a key. Anyone else gets a 404, as if the rep did not exist.
    /// </summary>
    public bool OwnedBy(HttpContext http) => http.Caller()?.Sees(Id, TeamId) == true;

    /// <summary>The rep's working calendar (always at work without working hours).</summary>
    public WorkingCalendar Calendar() => WorkingHours?.Calendar() ?? WorkingCalendar.Always;

    /// <summary>What routing needs to know about the rep (its calendar built from <see cref="WorkingHours"/>).</summary>
    public RoutingRep ToRouting() => new(Id, Capacity, OpenLeads)
    {
        TeamId = TeamId,
        Active = Active,
        Presence = Presence,
        Weight = Weight,
        Skills = Skills,
        Calendar = Calendar(),
    };

    /// <summary>The rep after a merge patch (absent = unchanged); the version is the caller's business.</summary>
    public Rep Apply(RepPatch patch) => this with
    {
        Name = patch.Name ?? Name,
        Capacity = patch.Capacity ?? Capacity,
        Active = patch.Active ?? Active,
        TeamId = patch.TeamId is null ? TeamId : patch.TeamId.Length == 0 ? null : patch.TeamId,
        Presence = patch.Presence ?? Presence,
        Weight = patch.Weight ?? Weight,
        Skills = patch.Skills is null ? Skills : MergeSkills(Skills, patch.Skills),
        WorkingHours = patch.ClearWorkingHours ? null : patch.WorkingHours ?? WorkingHours,
        Email = patch.Email is null ? Email : patch.Email.Length == 0 ? null : patch.Email,
        Phone = patch.Phone is null ? Phone : patch.Phone.Length == 0 ? null : patch.Phone,
    };

    /// <summary>Skills after a merge patch: a level sets a skill, null removes it, absent skills stay.</summary>
    public static IReadOnlyDictionary<string, int> MergeSkills(IReadOnlyDictionary<string, int> skills, IReadOnlyDictionary<string, int?> patch)
    {
        var merged = new SortedDictionary<string, int>(skills.ToDictionary(), StringComparer.Ordinal);
        foreach (var (skill, level) in patch)
        {
            if (level is { } value)
            {
                merged[skill] = value;
            }
            else
            {
                merged.Remove(skill);
            }
        }

        return new Dictionary<string, int>(merged, StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="patched"/> differs from this rep in what a patch can change.</summary>
    public bool SettingsDiffer(Rep patched) =>
        !string.Equals(Name, patched.Name, StringComparison.Ordinal) || Capacity != patched.Capacity || Active != patched.Active
        || Presence != patched.Presence || RoutingDiffers(patched)
        || !string.Equals(Email, patched.Email, StringComparison.Ordinal) || !string.Equals(Phone, patched.Phone, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="patched"/> could route differently: team, skills, weight or working hours changed.</summary>
    public bool RoutingDiffers(Rep patched) =>
        !string.Equals(TeamId, patched.TeamId, StringComparison.Ordinal) || Weight != patched.Weight || !Equals(WorkingHours, patched.WorkingHours)
        || !Skills.OrderBy(k => k.Key, StringComparer.Ordinal).SequenceEqual(patched.Skills.OrderBy(k => k.Key, StringComparer.Ordinal));

    /// <summary><see cref="RepCreated"/> for this new rep, by <see cref="CreatedBy"/>.</summary>
    public RepCreated CreatedEvent(DateTimeOffset now) => new()
    {
        EventId = Ids.NewGuid(),
        OccurredAt = now,
        RepId = Id,
        Name = Name,
        Capacity = Capacity,
        Active = Active,
        TeamId = TeamId,
        Presence = PresenceName(Presence),
        Email = Email,
        Phone = Phone,
        Version = Version,
        ChangedBy = CreatedBy ?? Actor.System,
    };

    /// <summary><see cref="RepChanged"/> for this rep as a change left it (its version already moved on), by <see cref="UpdatedBy"/>.</summary>
    public RepChanged ChangedEvent(DateTimeOffset now) => new()
    {
        EventId = Ids.NewGuid(),
        OccurredAt = now,
        RepId = Id,
        Name = Name,
        Capacity = Capacity,
        Active = Active,
        TeamId = TeamId,
        Presence = PresenceName(Presence),
        Email = Email,
        Phone = Phone,
        Version = Version,
        ChangedBy = UpdatedBy ?? Actor.System,
    };

    /// <summary>The presence as events carry it (lower-case).</summary>
    public static string PresenceName(Presence presence) => presence.ToString().ToLowerInvariant();

    public RepResponse ToResponse() => new()
    {
        Id = Id,
        Name = Name,
        Capacity = Capacity,
        Active = Active,
        OpenLeads = OpenLeads,
        Presence = Presence,
        TeamId = TeamId,
        Skills = Skills,
        Weight = Weight,
        WorkingHours = WorkingHours?.ToDocument(),
        Email = Email,
        Phone = Phone,
        CreatedAt = CreatedAt,
        Version = Version,
    };
}

/// <summary>
/// A merge patch of a rep: null = unchanged; an empty <see cref="TeamId"/> removes the team; <see cref="Skills"/> merge per
/// key; <see cref="ClearWorkingHours"/> removes the working hours (the rep is then always at work).
/// </summary>
public sealed record RepPatch(string? Name, int? Capacity, bool? Active, string? TeamId = null, Presence? Presence = null)
{
    public int? Weight { get; init; }
    public IReadOnlyDictionary<string, int?>? Skills { get; init; }
    public WorkingHours? WorkingHours { get; init; }
    public bool ClearWorkingHours { get; init; }
    /// <summary>A new e-mail address; null: unchanged, empty: removed.</summary>
    public string? Email { get; init; }
    /// <summary>A new phone (E.164); null: unchanged, empty: removed.</summary>
    public string? Phone { get; init; }
}

public enum RepUpdateStatus
{
    Updated,
    NotFound,
    VersionMismatch,
}

/// <summary>The outcome of a rep update: the rep as stored afterwards (the current one on a version mismatch).</summary>
public sealed record RepUpdateResult(RepUpdateStatus Status, Rep? Rep);
