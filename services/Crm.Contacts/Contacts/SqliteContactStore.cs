using System.Text.Json;
using Crm.Contacts.Identity;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Contacts.Contacts;

public sealed class SqliteContactStore(SqliteDb db) : IContactStore
{
    private const int SqliteConstraint = 19;

    private const string SelectContact =
        """
        SELECT id AS Id, name AS Name, emails AS Emails, phones AS Phones,
               created_at AS CreatedAt, updated_at AS UpdatedAt, version AS Version
        FROM contacts
        """;

    public Task<Contact?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<ContactRow>(new CommandDefinition(
                SelectContact + " WHERE id = @id", new { id }, cancellationToken: cancellationToken));
            return row?.ToContact();
        }, cancellationToken);

    public Task<Contact?> FindByIdentityAsync(ContactIdentity identity, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<ContactRow>(new CommandDefinition(
                SelectContact + " WHERE id = (SELECT contact_id FROM contact_identities WHERE kind = @kind AND value = @value)",
                new { kind = identity.KindName, value = identity.Value },
                cancellationToken: cancellationToken));
            return row?.ToContact();
        }, cancellationToken);

    public Task<ResolveOutcome> ResolveAsync(ResolveCommand command, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            var owners = new Dictionary<ContactIdentity, string>();
            foreach (var identity in command.Identities)
            {
                var owner = await tx.QuerySingleOrDefaultAsync<string>(
                    "SELECT contact_id FROM contact_identities WHERE kind = @kind AND value = @value",
                    new { kind = identity.KindName, value = identity.Value },
                    cancellationToken);
                if (owner is not null)
                {
                    owners[identity] = owner;
                }
            }

            var matched = owners.Count == 0
                ? []
                : (await tx.QueryAsync<ContactRow>(SelectContact + " WHERE id IN @ids", new { ids = owners.Values.Distinct().ToList() }, cancellationToken))
                    .Select(r => r.ToContact())
                    .ToList();

            var plan = ContactResolution.Plan(command, owners, matched, Ids.New(), tx.Now);
            var contact = plan.Contact;
            var parameters = new
            {
                contact.Id,
                contact.Name,
                Emails = JsonSerializer.Serialize(contact.Emails),
                Phones = JsonSerializer.Serialize(contact.Phones),
                contact.CreatedAt,
                contact.UpdatedAt,
                contact.Version,
                plan.ExpectedVersion,
            };
            if (plan.Created)
            {
                await tx.ExecuteAsync(
                    """
                    INSERT INTO contacts (id, name, emails, phones, created_at, updated_at, version)
                    VALUES (@Id, @Name, @Emails, @Phones, @CreatedAt, @UpdatedAt, @Version)
                    """,
                    parameters,
                    cancellationToken);
            }
            else if (plan.Changed)
            {
                var updated = await tx.ExecuteAsync(
                    """
                    UPDATE contacts SET name = @Name, emails = @Emails, phones = @Phones, updated_at = @UpdatedAt, version = @Version
                    WHERE id = @Id AND version = @ExpectedVersion
                    """,
                    parameters,
                    cancellationToken);
                if (updated == 0)
                {
                    throw new ConcurrencyException($"Contact '{contact.Id}' changed while it was being resolved.");
                }
            }

            foreach (var identity in plan.NewIdentities)
            {
                try
                {
                    await tx.ExecuteAsync(
                        "INSERT INTO contact_identities (kind, value, contact_id, created_at) VALUES (@kind, @value, @contactId, @now)",
                        new { kind = identity.KindName, value = identity.Value, contactId = contact.Id, now = tx.Now },
                        cancellationToken);
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
                {
                    throw new IdentityConflictException($"The {identity.KindName} is already stored for another contact.", ex);
                }
            }

            if (plan.Event is not null)
            {
                await tx.PublishAsync(plan.Event, cancellationToken);
            }

            return new ResolveOutcome(contact, plan.Created, plan.Changed);
        }, cancellationToken);

    public Task<bool> AppendTimelineAsync(InboxKey inbox, TimelineItem item, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            if (!await tx.TryAcceptAsync(inbox, cancellationToken))
            {
                return false;
            }

            await tx.ExecuteAsync(
                """
                INSERT OR IGNORE INTO timeline (event_id, contact_id, type, occurred_at, summary, lead_id, recorded_at)
                VALUES (@EventId, @ContactId, @Type, @OccurredAt, @Summary, @LeadId, @RecordedAt)
                """,
                new { item.EventId, item.ContactId, item.Type, item.OccurredAt, item.Summary, item.LeadId, RecordedAt = tx.Now },
                cancellationToken);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<TimelineItem>> GetTimelineAsync(string contactId, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync<TimelineRow>(new CommandDefinition(
                """
                SELECT event_id AS EventId, contact_id AS ContactId, type AS Type, occurred_at AS OccurredAt,
                       summary AS Summary, lead_id AS LeadId
                FROM timeline WHERE contact_id = @contactId
                ORDER BY occurred_at DESC, event_id DESC
                LIMIT @limit
                """,
                new { contactId, limit },
                cancellationToken: cancellationToken));
            return (IReadOnlyList<TimelineItem>)rows.Select(r => r.ToItem()).ToList();
        }, cancellationToken);

    private sealed class ContactRow
    {
        public string Id { get; set; } = "";
        public string? Name { get; set; }
        public string Emails { get; set; } = "[]";
        public string Phones { get; set; } = "[]";
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
        public long Version { get; set; }

        public Contact ToContact() => new()
        {
            Id = Id,
            Name = Name,
            Emails = JsonSerializer.Deserialize<List<string>>(Emails) ?? [],
            Phones = JsonSerializer.Deserialize<List<string>>(Phones) ?? [],
            CreatedAt = CreatedAt,
            UpdatedAt = UpdatedAt,
            Version = Version,
        };
    }

    private sealed class TimelineRow
    {
        public string EventId { get; set; } = "";
        public string ContactId { get; set; } = "";
        public string Type { get; set; } = "";
        public DateTimeOffset OccurredAt { get; set; }
        public string Summary { get; set; } = "";
        public string? LeadId { get; set; }

        public TimelineItem ToItem() => new()
        {
            EventId = EventId,
            ContactId = ContactId,
            Type = Type,
            OccurredAt = OccurredAt,
            Summary = Summary,
            LeadId = LeadId,
        };
    }
}
