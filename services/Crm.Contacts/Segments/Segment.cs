using Crm.Contacts.Contacts;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Segments;

/// <summary>A segment (a document of <c>segments</c>): a named rule; replaced whole on every change, guarded by <see cref="Version"/>.</summary>
public sealed record Segment : IDocument
{
    public const string Building = "building";
    public const string Live = "live";

    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required SegmentRule Rule { get; init; }
    /// <summary><see cref="Building"/> from a save until the background build went over every contact, then <see cref="Live"/>.</summary>
    public required string Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public Actor? UpdatedBy { get; init; }
    public required long Version { get; init; }

    public SegmentResponse ToResponse(long count) => new()
    {
        Id = Id,
        Name = Name,
        Description = Description,
        Rule = Rule,
        Status = Status,
        Count = count,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Version = Version,
    };
}

/// <summary>A contact's membership of a segment (a document of <c>segment_members</c>, id <c>{segmentId}:{contactId}</c>): present while the contact is a member.</summary>
public sealed record SegmentMember : IDocument
{
    public required string Id { get; init; }
    public required string SegmentId { get; init; }
    public required string ContactId { get; init; }
    /// <summary>When the contact joined.</summary>
    public required DateTimeOffset Since { get; init; }
    public long Version { get; init; } = 1;

    public static string IdOf(string segmentId, string contactId) => $"{segmentId}:{contactId}";
}

/// <summary>
/// One document (id <see cref="DocumentId"/>) whose version moves with every change of any segment: the evaluators read
/// it (one read by id) to know whether their cached, compiled definitions are still current.
/// </summary>
public sealed record SegmentCatalogStamp : IDocument
{
    public const string DocumentId = "segments";

    public string Id { get; init; } = DocumentId;
    public required long Version { get; init; }
}

/// <summary>The segment collections.</summary>
public static class SegmentCollections
{
    /// <summary>Few documents, read whole (<see cref="SegmentQueries.All"/>) or by id.</summary>
    public static readonly DocumentCollection<Segment> Segments = new("segments");

    /// <summary>
    /// <c>segment_contact</c> serves a segment's member list in contact order and its count
    /// (<see cref="SegmentQueries.Members"/>); <c>contact</c> a contact's segments (<see cref="SegmentQueries.OfContact"/>),
    /// which every evaluation reads.
    /// </summary>
    public static readonly DocumentCollection<SegmentMember> Members = new DocumentCollection<SegmentMember>("segment_members")
        .Index("segment_contact", i => i.Asc(x => x.SegmentId).Asc(x => x.ContactId).Asc(x => x.Id))
        .Index("contact", i => i.Asc(x => x.ContactId).Asc(x => x.Id));

    /// <summary>The one <see cref="SegmentCatalogStamp"/>.</summary>
    public static readonly DocumentCollection<SegmentCatalogStamp> Catalog = new("segment_catalog");

    public static readonly IDocumentCollection[] All = [Segments, Members, Catalog];
}

/// <summary>The segments' queries, in one place so their cost is reviewable (rendered in <c>queries.approved.md</c>).</summary>
public static class SegmentQueries
{
    /// <summary>Every segment, by id (creation order); a handful of documents.</summary>
    public static Query<Segment> All() => SegmentCollections.Segments.Find(Filter<Segment>.All).OrderBy(x => x.Id);

    /// <summary>A segment's members in contact id order (paged by the caller; counted for the segment's count); index <c>segment_contact</c>.</summary>
    public static Query<SegmentMember> Members(string segmentId) =>
        SegmentCollections.Members.Find(Filter<SegmentMember>.Eq(x => x.SegmentId, segmentId)).OrderBy(x => x.ContactId);

    /// <summary>The segments a contact is a member of; index <c>contact</c>.</summary>
    public static Query<SegmentMember> OfContact(string contactId) =>
        SegmentCollections.Members.Find(Filter<SegmentMember>.Eq(x => x.ContactId, contactId));

    /// <summary>Every contact in id order (the build and the preview page over them); the primary key.</summary>
    public static Query<Contact> ContactsById() => ContactCollections.Contacts.Find(Filter<Contact>.All).OrderBy(x => x.Id);

    /// <summary>Removes every membership of a deleted segment; index <c>segment_contact</c>.</summary>
    public static WriteOperation DeleteMembers(string segmentId) =>
        Write.Delete(SegmentCollections.Members, Filter<SegmentMember>.Eq(x => x.SegmentId, segmentId));
}
