using MongoDB.Bson.Serialization.Attributes;

namespace Crm.ServiceDefaults.Storage.Mongo;

public sealed class MongoOutboxDocument
{
    [BsonId]
    public required string Id { get; set; }
    public required string Type { get; set; }
    public required string Body { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public int Attempts { get; set; }
}

public sealed class MongoInboxDocument
{
    [BsonId]
    public required string Id { get; set; }
    public required string Consumer { get; set; }
    public required string MessageId { get; set; }
    public required DateTimeOffset ReceivedAt { get; set; }
}

public sealed class MongoIdempotencyDocument
{
    /// <summary><c>{scope}:{key}</c>.</summary>
    [BsonId]
    public required string Id { get; set; }
    public required string Scope { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public required int StatusCode { get; set; }
    public string? Location { get; set; }
    public required string Body { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }
}
