using MongoDB.Bson.Serialization.Attributes;

namespace Crm.Contacts.Contacts;

/// <summary>A document of <c>contacts</c>.</summary>
public sealed class ContactDocument
{
    [BsonId]
    public required string Id { get; set; }
    public string? Name { get; set; }
    public List<string> Emails { get; set; } = [];
    public List<string> Phones { get; set; } = [];
    public required DateTimeOffset CreatedAt { get; set; }
    public required DateTimeOffset UpdatedAt { get; set; }
    public required long Version { get; set; }

    public static ContactDocument From(Contact contact) => new()
    {
        Id = contact.Id,
        Name = contact.Name,
        Emails = [.. contact.Emails],
        Phones = [.. contact.Phones],
        CreatedAt = contact.CreatedAt,
        UpdatedAt = contact.UpdatedAt,
        Version = contact.Version,
    };

    public Contact ToContact() => new()
    {
        Id = Id,
        Name = Name,
        Emails = Emails,
        Phones = Phones,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Version = Version,
    };
}

/// <summary>A document of <c>contact_identities</c>: <c>_id</c> is <c>kind:value</c>, unique like the (kind, value) index.</summary>
public sealed class ContactIdentityDocument
{
    [BsonId]
    public required string Id { get; set; }
    /// <summary>email or phone.</summary>
    public required string Kind { get; set; }
    public required string Value { get; set; }
    public required string ContactId { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A document of <c>timeline</c>: <c>_id</c> is the event id.</summary>
public sealed class TimelineDocument
{
    [BsonId]
    public required string Id { get; set; }
    public required string ContactId { get; set; }
    public required string Type { get; set; }
    public required DateTimeOffset OccurredAt { get; set; }
    public required string Summary { get; set; }
    public string? LeadId { get; set; }
    public required DateTimeOffset RecordedAt { get; set; }
}
