using System.Text;
using Crm.Messaging.Email;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage.Sqlite;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Messaging.Messages;

public sealed class SqliteMessageStore(SqliteDb db) : IMessageStore
{
    private const int SqliteConstraint = 19;

    private const string Columns = """
        id AS Id, contact_id AS ContactId, lead_id AS LeadId, channel AS Channel, template AS Template,
        to_address AS "To", subject AS Subject, status AS Status, sent_at AS SentAt
        """;

    public Task<Message?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<MessageRow>(new CommandDefinition(
                $"SELECT {Columns} FROM messages WHERE id = @id", new { id }, cancellationToken: cancellationToken));
            return row?.ToMessage();
        }, cancellationToken);

    public async Task<MessageClaim> ClaimAsync(InboxKey inbox, Message pending, string claimToken, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        try
        {
            return await db.InTransactionAsync(async tx =>
            {
                if (await tx.QuerySingleOrDefaultAsync<long>("SELECT COUNT(*) FROM inbox WHERE id = @Id", new { inbox.Id }, cancellationToken) > 0)
                {
                    return new MessageClaim(ClaimStatus.AlreadyHandled);
                }

                var existing = pending.LeadId is null
                    ? null
                    : await tx.QuerySingleOrDefaultAsync<ClaimRow>(
                        "SELECT id AS Id, status AS Status, lease_until AS LeaseUntil FROM messages WHERE lead_id = @LeadId AND template = @Template",
                        new { pending.LeadId, pending.Template },
                        cancellationToken);
                if (existing is null)
                {
                    await tx.ExecuteAsync(
                        """
                        INSERT INTO messages (id, contact_id, lead_id, channel, template, to_address, subject, status, sent_at, claim_token, lease_until)
                        VALUES (@Id, @ContactId, @LeadId, @Channel, @Template, @To, @Subject, @Status, @SentAt, @claimToken, @leaseUntil)
                        """,
                        new
                        {
                            pending.Id,
                            pending.ContactId,
                            pending.LeadId,
                            pending.Channel,
                            pending.Template,
                            pending.To,
                            pending.Subject,
                            Status = EmailStatus.Sending,
                            pending.SentAt,
                            claimToken,
                            leaseUntil = tx.Now + lease,
                        },
                        cancellationToken);
                    return new MessageClaim(ClaimStatus.Claimed, pending.Id);
                }

                if (existing.Status != EmailStatus.Sending)
                {
                    return new MessageClaim(ClaimStatus.AlreadyHandled);
                }

                if (existing.LeaseUntil is { } until && until > tx.Now)
                {
                    return new MessageClaim(ClaimStatus.Busy);
                }

                // The delivery that claimed it died without finishing or giving it up: take over, under the same id.
                await tx.ExecuteAsync(
                    "UPDATE messages SET claim_token = @claimToken, lease_until = @leaseUntil WHERE id = @Id",
                    new { existing.Id, claimToken, leaseUntil = tx.Now + lease },
                    cancellationToken);
                return new MessageClaim(ClaimStatus.Claimed, existing.Id);
            }, cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
        {
            // The unique index (lead_id, template) caught a concurrent claim.
            return new MessageClaim(ClaimStatus.Busy);
        }
    }

    public Task<bool> CompleteAsync(InboxKey inbox, Message message, string claimToken, IReadOnlyList<object> events, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            // Before the inbox: a lost claim must leave no inbox entry behind (a transaction that returns commits).
            var updated = await tx.ExecuteAsync(
                """
                UPDATE messages
                SET contact_id = @ContactId, channel = @Channel, to_address = @To, subject = @Subject, status = @Status,
                    sent_at = @SentAt, claim_token = NULL, lease_until = NULL
                WHERE id = @Id AND status = 'sending' AND claim_token = @claimToken
                """,
                new { message.Id, message.ContactId, message.Channel, message.To, message.Subject, message.Status, message.SentAt, claimToken },
                cancellationToken);
            if (updated == 0)
            {
                return false;
            }

            if (!await tx.TryAcceptAsync(inbox, cancellationToken))
            {
                throw new InvalidOperationException($"Message {inbox.MessageId} was applied while claimed: rolled back.");
            }

            foreach (var e in events)
            {
                await tx.PublishAsync(e, cancellationToken);
            }

            return true;
        }, cancellationToken);

    public Task ReleaseAsync(string messageId, string claimToken, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(
            tx => tx.ExecuteAsync(
                "DELETE FROM messages WHERE id = @messageId AND status = 'sending' AND claim_token = @claimToken",
                new { messageId, claimToken },
                cancellationToken),
            cancellationToken);

    public Task<IReadOnlyList<Message>> ListAsync(MessageQuery query, CancellationToken cancellationToken = default)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM messages WHERE status <> 'sending'");
        if (query.ContactId is not null)
        {
            sql.Append(" AND contact_id = @ContactId");
        }

        if (query.LeadId is not null)
        {
            sql.Append(" AND lead_id = @LeadId");
        }

        if (query.After is not null)
        {
            sql.Append(" AND (sent_at < @AfterSentAt OR (sent_at = @AfterSentAt AND id < @AfterId))");
        }

        sql.Append(" ORDER BY sent_at DESC, id DESC LIMIT @Limit");
        var parameters = new
        {
            query.ContactId,
            query.LeadId,
            AfterSentAt = query.After?.SentAt ?? default,
            AfterId = query.After?.Id,
            query.Limit,
        };
        return db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync<MessageRow>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: cancellationToken));
            return (IReadOnlyList<Message>)rows.Select(r => r.ToMessage()).ToList();
        }, cancellationToken);
    }

    private sealed class ClaimRow
    {
        public string Id { get; set; } = "";
        public string Status { get; set; } = "";
        public DateTimeOffset? LeaseUntil { get; set; }
    }

    private sealed class MessageRow
    {
        public string Id { get; set; } = "";
        public string ContactId { get; set; } = "";
        public string? LeadId { get; set; }
        public string Channel { get; set; } = "";
        public string Template { get; set; } = "";
        public string To { get; set; } = "";
        public string Subject { get; set; } = "";
        public string Status { get; set; } = "";
        public DateTimeOffset SentAt { get; set; }

        public Message ToMessage() => new()
        {
            Id = Id,
            ContactId = ContactId,
            LeadId = LeadId,
            Channel = Channel,
            Template = Template,
            To = To,
            Subject = Subject,
            Status = Status,
            SentAt = SentAt,
        };
    }
}
