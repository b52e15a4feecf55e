using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Erasure;
using Crm.Contacts.Orders;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Segments;

/// <summary>A segment with its rule compiled once.</summary>
public sealed record CompiledSegment(Segment Segment, RuleNode Rule)
{
    public static CompiledSegment Of(Segment segment) =>
        new(segment, SegmentRules.Compile(segment.Rule, new ValidationErrors())
            ?? throw new InvalidOperationException($"The stored rule of segment {segment.Id} does not compile."));
}

/// <summary>
/// The segment definitions compiled once per process (a singleton): each use reads the catalog stamp (one small document
/// by id) and loads and compiles the segments again only when its version moved.
/// </summary>
public sealed class SegmentCatalog
{
    private volatile Snapshot _snapshot = new(-1, []);

    public async Task<IReadOnlyList<CompiledSegment>> CurrentAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        // The stamp first: segments read after it are at least that new (a newer stamp reloads next time).
        var version = (await store.GetAsync(SegmentCollections.Catalog, SegmentCatalogStamp.DocumentId, cancellationToken))?.Version ?? 0;
        var snapshot = _snapshot;
        if (snapshot.Version == version)
        {
            return snapshot.Segments;
        }

        var segments = await store.FindAsync(SegmentQueries.All(), cancellationToken);
        var compiled = segments.Select(s => snapshot.Segments.FirstOrDefault(c => c.Segment.Id == s.Id && c.Segment.Version == s.Version) ?? CompiledSegment.Of(s)).ToList();
        _snapshot = new Snapshot(version, compiled);
        return compiled;
    }

    private sealed record Snapshot(long Version, IReadOnlyList<CompiledSegment> Segments);
}

/// <summary>
/// Membership, written once for every path (a contact's change, the clocks of time-based rules, a segment's build): the
/// rule evaluated on the contact's facts now; a join inserts <c>{segment}:{contact}</c> and publishes
/// <c>SegmentMembershipChanged</c> (joined), a leave deletes it (guarded: a concurrent evaluation that did the same fails
/// the commit, and the unit runs again) and publishes it (left); for a time-based rule the clock timer of (segment,
/// contact) is set to the next instant the answer could change by time alone. A contact that does not exist (erased)
/// is a member of nothing.
/// </summary>
public static class SegmentMembership
{
    /// <summary>Timer (key <c>{segmentId}:{contactId}</c>): a time-based rule's answer may change now.</summary>
    public const string ClockKind = "contacts-segment-clock";

    /// <summary>Timer (key = contact id): evaluate the contact against every segment (after a change that publishes no event, such as the summary's last message).</summary>
    public const string RefreshKind = "contacts-segment-refresh";

    /// <summary>Timer (key = segment id, payload <see cref="BuildProgress"/>): the next page of a segment's build.</summary>
    public const string BuildKind = "contacts-segment-build";

    /// <summary>Contacts per build step (one unit of work each).</summary>
    public const int BuildPage = 200;

    /// <summary>Asks, within <paramref name="unit"/>, for the contact to be evaluated against every segment (soon, by a timer).</summary>
    public static void RequestRefresh(UnitOfWork unit, string contactId) => unit.Schedule(RefreshKind, contactId, unit.Now);

    /// <summary>The contact's facts now, or null when the contact does not exist (erased, unknown).</summary>
    public static async Task<SegmentFacts?> FactsAsync(UnitOfWork unit, string contactId, CancellationToken cancellationToken)
    {
        if (await unit.GetAsync(ContactCollections.Contacts, contactId, cancellationToken) is not { } contact)
        {
            return null;
        }

        return new SegmentFacts(
            contact,
            await unit.GetAsync(ConsentCollections.Consents, contactId, cancellationToken),
            await unit.GetAsync(OrderCollections.Summaries, contactId, cancellationToken));
    }

    /// <summary>Collects into <paramref name="unit"/> the contact's joins and leaves of every segment (and leaves of segments no longer defined when the contact is gone).</summary>
    public static async Task EvaluateContactAsync(UnitOfWork unit, IReadOnlyList<CompiledSegment> segments, string contactId, CancellationToken cancellationToken)
    {
        var facts = await FactsAsync(unit, contactId, cancellationToken);
        var memberships = (await unit.FindAsync(SegmentQueries.OfContact(contactId), cancellationToken)).ToDictionary(m => m.SegmentId, StringComparer.Ordinal);
        foreach (var segment in segments)
        {
            Apply(unit, segment, contactId, facts, memberships.GetValueOrDefault(segment.Segment.Id));
        }

        if (facts is null)
        {
            foreach (var orphan in memberships.Values.Where(m => segments.All(s => s.Segment.Id != m.SegmentId)))
            {
                unit.Delete(SegmentCollections.Members, Filter<SegmentMember>.Eq(x => x.Id, orphan.Id));
            }
        }
    }

    /// <summary>One contact against one segment: the membership change (if any), its event, and the clock of a time-based rule.</summary>
    public static void Apply(UnitOfWork unit, CompiledSegment segment, string contactId, SegmentFacts? facts, SegmentMember? membership)
    {
        var isMember = facts is not null && segment.Rule.Matches(facts, unit.Now);
        if (isMember && membership is null)
        {
            unit.Insert(SegmentCollections.Members, new SegmentMember
            {
                Id = SegmentMember.IdOf(segment.Segment.Id, contactId),
                SegmentId = segment.Segment.Id,
                ContactId = contactId,
                Since = unit.Now,
            });
            Publish(unit, segment.Segment, contactId, joined: true);
        }
        else if (!isMember && membership is not null)
        {
            unit.Delete(SegmentCollections.Members, Filter<SegmentMember>.Eq(x => x.Id, membership.Id), expectOne: true);
            Publish(unit, segment.Segment, contactId, joined: false);
        }

        if (segment.Rule.IsTimeBased)
        {
            var key = SegmentMember.IdOf(segment.Segment.Id, contactId);
            if (facts is not null && segment.Rule.NextChange(facts, unit.Now) is { } next)
            {
                unit.Schedule(ClockKind, key, next);
            }
            else
            {
                unit.CancelTimer(ClockKind, key);
            }
        }
    }

    /// <summary>
    /// One step of a segment's build: the next <see cref="BuildPage"/> contacts (id order) evaluated against it; then the
    /// next step scheduled, or the segment marked live. Returns false when the step is stale (the segment changed or is gone).
    /// </summary>
    public static async Task<bool> BuildStepAsync(UnitOfWork unit, string segmentId, BuildProgress progress, CancellationToken cancellationToken)
    {
        if (await unit.GetAsync(SegmentCollections.Segments, segmentId, cancellationToken) is not { } segment || segment.Version != progress.Version)
        {
            return false;
        }

        var compiled = CompiledSegment.Of(segment);
        var query = SegmentQueries.ContactsById().Take(BuildPage);
        if (progress.After is { } cursor && query.TryStartAfter(cursor, out var next))
        {
            query = next;
        }

        var contacts = await unit.FindAsync(query, cancellationToken);
        var ids = contacts.Select(c => c.Id).ToList();
        var consents = (await unit.GetManyAsync(ConsentCollections.Consents, ids, cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var summaries = (await unit.GetManyAsync(OrderCollections.Summaries, ids, cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        var members = (await unit.GetManyAsync(SegmentCollections.Members, ids.Select(id => SegmentMember.IdOf(segmentId, id)), cancellationToken)).ToDictionary(m => m.ContactId, StringComparer.Ordinal);
        var erased = await ErasureCollections.ErasedAmongAsync(unit, ids, cancellationToken);
        foreach (var contact in contacts)
        {
            var facts = erased.Contains(contact.Id) ? null : new SegmentFacts(contact, consents.GetValueOrDefault(contact.Id), summaries.GetValueOrDefault(contact.Id));
            Apply(unit, compiled, contact.Id, facts, members.GetValueOrDefault(contact.Id));
        }

        if (contacts.Count == BuildPage)
        {
            unit.Schedule(BuildKind, segmentId, unit.Now, progress with { After = query.CursorAfter(contacts[^1]) });
        }
        else
        {
            unit.Update(
                SegmentCollections.Segments,
                Filter<Segment>.Eq(x => x.Id, segmentId) & Filter<Segment>.Eq(x => x.Version, segment.Version),
                new Update<Segment>().Set(x => x.Status, Segment.Live));
        }

        return true;
    }

    /// <summary>Starts (or restarts) the build of <paramref name="segment"/>'s membership in the background.</summary>
    public static void StartBuild(UnitOfWork unit, Segment segment) =>
        unit.Schedule(BuildKind, segment.Id, unit.Now, new BuildProgress(segment.Version, null));

    private static void Publish(UnitOfWork unit, Segment segment, string contactId, bool joined) =>
        unit.Publish(new SegmentMembershipChanged
        {
            EventId = Ids.NewGuid(),
            OccurredAt = unit.Now,
            SegmentId = segment.Id,
            SegmentVersion = segment.Version,
            ContactId = contactId,
            Joined = joined,
        });
}

/// <summary>Where a segment's build is: the segment version it builds and the last contact done (a cursor; null at the start).</summary>
public sealed record BuildProgress(long Version, string? After);
