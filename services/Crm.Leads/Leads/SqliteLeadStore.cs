using System.Text.Json;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Dapper;

namespace Crm.Leads.Leads;

public sealed class SqliteLeadStore(SqliteDb db) : ILeadStore
{
    private const string Columns =
        """
        id AS Id, contact_id AS ContactId, name AS Name, email AS Email, phone AS Phone, source AS Source,
        channel AS Channel, pages_visited AS PagesVisited, last_interaction_at AS LastInteractionAt, fields AS Fields,
        score AS Score, grade AS Grade, score_breakdown AS ScoreBreakdown, owner_id AS OwnerId, owner_name AS OwnerName,
        assigned_at AS AssignedAt, captured_at AS CapturedAt, version AS Version
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<Lead?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await db.ReadAsync(c => c.QuerySingleOrDefaultAsync<LeadRow>(new CommandDefinition(
            $"SELECT {Columns} FROM leads WHERE id = @id",
            new { id },
            cancellationToken: cancellationToken)), cancellationToken);
        return row?.ToLead();
    }

    public Task CaptureAsync(Lead lead, IReadOnlyList<object> events, IdempotentResponse? idempotency, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            await tx.ExecuteAsync(
                """
                INSERT INTO leads (id, contact_id, name, email, phone, source, channel, pages_visited, last_interaction_at,
                                   fields, score, grade, score_breakdown, owner_id, owner_name, assigned_at, captured_at, version)
                VALUES (@Id, @ContactId, @Name, @Email, @Phone, @Source, @Channel, @PagesVisited, @LastInteractionAt,
                        @Fields, @Score, @Grade, @ScoreBreakdown, @OwnerId, @OwnerName, @AssignedAt, @CapturedAt, @Version)
                """,
                LeadRow.From(lead),
                cancellationToken);
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

            var current = await tx.QuerySingleOrDefaultAsync<OwnerRow>(
                "SELECT assigned_at AS AssignedAt, version AS Version FROM leads WHERE id = @leadId",
                new { leadId },
                cancellationToken) ?? throw LeadNotFoundException.For(leadId);
            if (current.AssignedAt is { } assigned && assigned > assignedAt)
            {
                return true;
            }

            var updated = await tx.ExecuteAsync(
                """
                UPDATE leads SET owner_id = @ownerId, owner_name = @ownerName, assigned_at = @assignedAt, version = version + 1
                WHERE id = @leadId AND version = @version
                """,
                new { leadId, ownerId, ownerName, assignedAt, version = current.Version },
                cancellationToken);
            return updated == 1 ? true : throw new ConcurrencyException($"Lead '{leadId}' changed concurrently.");
        }, cancellationToken);

    private sealed class OwnerRow
    {
        public DateTimeOffset? AssignedAt { get; set; }
        public long Version { get; set; }
    }

    private sealed class LeadRow
    {
        public string Id { get; set; } = "";
        public string ContactId { get; set; } = "";
        public string? Name { get; set; }
        public string? Email { get; set; }
        public string? Phone { get; set; }
        public string Source { get; set; } = "";
        public string Channel { get; set; } = "";
        public int PagesVisited { get; set; }
        public DateTimeOffset? LastInteractionAt { get; set; }
        public string Fields { get; set; } = "{}";
        public int Score { get; set; }
        public string Grade { get; set; } = "";
        public string ScoreBreakdown { get; set; } = "[]";
        public string? OwnerId { get; set; }
        public string? OwnerName { get; set; }
        public DateTimeOffset? AssignedAt { get; set; }
        public DateTimeOffset CapturedAt { get; set; }
        public long Version { get; set; }

        public static LeadRow From(Lead lead) => new()
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
            Fields = JsonSerializer.Serialize(lead.Fields, Json),
            Score = lead.Score,
            Grade = WireNames.Of(lead.Grade),
            ScoreBreakdown = JsonSerializer.Serialize(lead.ScoreBreakdown, Json),
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
            Fields = JsonSerializer.Deserialize<Dictionary<string, string>>(Fields, Json) ?? [],
            Score = Score,
            Grade = WireNames.ParseGrade(Grade),
            ScoreBreakdown = JsonSerializer.Deserialize<List<ScoreItem>>(ScoreBreakdown, Json) ?? [],
            OwnerId = OwnerId,
            OwnerName = OwnerName,
            AssignedAt = AssignedAt,
            CapturedAt = CapturedAt,
            Version = Version,
        };
    }
}
