using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson.Serialization.Attributes;
using MongoDB.Bson.Serialization.Options;
using MongoDB.Driver;

namespace Crm.Leads.Leads;

public sealed class MongoLeadStore(MongoDb db) : ILeadStore
{
    public const string Collection = "leads";

    private IMongoCollection<LeadDocument> Leads => db.Collection<LeadDocument>(Collection);

    public async Task<Lead?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var document = await Leads.Find(d => d.Id == id).FirstOrDefaultAsync(cancellationToken);
        return document?.ToLead();
    }

    public Task CaptureAsync(Lead lead, IReadOnlyList<object> events, IdempotentResponse? idempotency, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            await Leads.InsertOneAsync(tx.Session, LeadDocument.From(lead), cancellationToken: cancellationToken);
            foreach (var message in events)
            {
                await tx.PublishAsync(message, cancellationToken);
            }

            if (idempotency is not null)
            {
                await tx.RecordIdempotencyAsync(idempotency, cancellationToken);
            }
        }, cancellationToken);

    public Task<bool> SetOwnerAsync(InboxKey inbox, string leadId, string ownerId, string ownerName, DateTimeOffset assignedAt, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            if (!await tx.TryAcceptAsync(inbox, cancellationToken))
            {
                return false;
            }

            var current = await Leads.Find(tx.Session, d => d.Id == leadId).FirstOrDefaultAsync(cancellationToken)
                ?? throw LeadNotFoundException.For(leadId);
            if (current.AssignedAt is { } assigned && assigned > assignedAt)
            {
                return true;
            }

            var version = current.Version;
            var result = await Leads.UpdateOneAsync(
                tx.Session,
                LeadsMongoQueries.LeadAtVersion(leadId, version),
                LeadsMongoQueries.SetOwner(ownerId, ownerName, assignedAt),
                cancellationToken: cancellationToken);
            return result.MatchedCount == 1 ? true : throw new ConcurrencyException($"Lead '{leadId}' changed concurrently.");
        }, cancellationToken);
}

/// <summary>A lead in MongoDB (collection <c>leads</c>). Free fields are stored as <c>[{ k, v }]</c> so any key is safe.</summary>
public sealed class LeadDocument
{
    [BsonId]
    public required string Id { get; set; }
    public required string ContactId { get; set; }
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public required string Source { get; set; }
    /// <summary>Lower-case (web, ads, ...).</summary>
    public required string Channel { get; set; }
    public int PagesVisited { get; set; }
    public DateTimeOffset? LastInteractionAt { get; set; }
    [BsonDictionaryOptions(DictionaryRepresentation.ArrayOfDocuments)]
    public Dictionary<string, string> Fields { get; set; } = [];
    public int Score { get; set; }
    /// <summary>Lower-case (cold, warm, hot).</summary>
    public required string Grade { get; set; }
    public List<ScoreLineDocument> ScoreBreakdown { get; set; } = [];
    public string? OwnerId { get; set; }
    public string? OwnerName { get; set; }
    public DateTimeOffset? AssignedAt { get; set; }
    public required DateTimeOffset CapturedAt { get; set; }
    public long Version { get; set; }

    public static LeadDocument From(Lead lead) => new()
    {
        Id = lead.Id,
        ContactId = lead.ContactId,
        Name = lead.Name,
        Email = lead.Email,
        Phone = lead.Phone,
        Source = lead.Source,
        Channel = WireNames.Of(lead.Channel),
        PagesVisited = lead.PagesVisited,
        LastInteractionAt = lead.LastInteractionAt,
        Fields = new Dictionary<string, string>(lead.Fields, StringComparer.Ordinal),
        Score = lead.Score,
        Grade = WireNames.Of(lead.Grade),
        ScoreBreakdown = [.. lead.ScoreBreakdown.Select(r => new ScoreLineDocument { Rule = r.Rule, Points = r.Points, Detail = r.Detail })],
        OwnerId = lead.OwnerId,
        OwnerName = lead.OwnerName,
        AssignedAt = lead.AssignedAt,
        CapturedAt = lead.CapturedAt,
        Version = lead.Version,
    };

    public Lead ToLead() => new()
    {
        Id = Id,
        ContactId = ContactId,
        Name = Name,
        Email = Email,
        Phone = Phone,
        Source = Source,
        Channel = WireNames.ParseChannel(Channel),
        PagesVisited = PagesVisited,
        LastInteractionAt = LastInteractionAt,
        Fields = Fields,
        Score = Score,
        Grade = WireNames.ParseGrade(Grade),
        ScoreBreakdown = [.. ScoreBreakdown.Select(r => new ScoreItem(r.Rule, r.Points, r.Detail))],
        OwnerId = OwnerId,
        OwnerName = OwnerName,
        AssignedAt = AssignedAt,
        CapturedAt = CapturedAt,
        Version = Version,
    };
}

public sealed class ScoreLineDocument
{
    public required string Rule { get; set; }
    public int Points { get; set; }
    public required string Detail { get; set; }
}
