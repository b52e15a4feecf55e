using Crm.Messaging.Email;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson.Serialization.Attributes;
using MongoDB.Driver;

namespace Crm.Messaging.Messages;

public sealed class MongoMessageStore(MongoDb db) : IMessageStore
{
    public const string Collection = "messages";

    private IMongoCollection<MessageDocument> Messages => db.Collection<MessageDocument>(Collection);

    public async Task<Message?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var document = await Messages.Find(d => d.Id == id).FirstOrDefaultAsync(cancellationToken);
        return document?.ToMessage();
    }

    public async Task<MessageClaim> ClaimAsync(InboxKey inbox, Message pending, string claimToken, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        try
        {
            return await db.InTransactionAsync(async tx =>
            {
                var inboxId = inbox.Id;
                if (await tx.Db.Collection<MongoInboxDocument>(MongoDb.Inbox).Find(tx.Session, d => d.Id == inboxId).AnyAsync(cancellationToken))
                {
                    return new MessageClaim(ClaimStatus.AlreadyHandled);
                }

                var existing = pending.LeadId is null
                    ? null
                    : await Messages.Find(tx.Session, MessagingMongoQueries.ForLeadAndTemplate(pending.LeadId, pending.Template)).FirstOrDefaultAsync(cancellationToken);
                if (existing is null)
                {
                    var document = MessageDocument.From(pending);
                    document.Status = EmailStatus.Sending;
                    document.ClaimToken = claimToken;
                    document.LeaseUntil = tx.Now + lease;
                    await Messages.InsertOneAsync(tx.Session, document, cancellationToken: cancellationToken);
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
                var taken = await Messages.UpdateOneAsync(
                    tx.Session,
                    MessagingMongoQueries.HeldBy(existing.Id, existing.ClaimToken),
                    MessagingMongoQueries.TakeOver(claimToken, tx.Now + lease),
                    cancellationToken: cancellationToken);
                return taken.ModifiedCount == 1 ? new MessageClaim(ClaimStatus.Claimed, existing.Id) : new MessageClaim(ClaimStatus.Busy);
            }, cancellationToken);
        }
        catch (MongoWriteException ex) when (ex.WriteError?.Category == ServerErrorCategory.DuplicateKey)
        {
            // The unique index (leadId, template) caught a concurrent claim.
            return new MessageClaim(ClaimStatus.Busy);
        }
    }

    public Task<bool> CompleteAsync(InboxKey inbox, Message message, string claimToken, IReadOnlyList<object> events, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            var updated = await Messages.UpdateOneAsync(
                tx.Session,
                MessagingMongoQueries.ClaimedBy(message.Id, claimToken),
                MessagingMongoQueries.Complete(message),
                cancellationToken: cancellationToken);
            if (updated.ModifiedCount == 0)
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
        Messages.DeleteOneAsync(MessagingMongoQueries.ClaimedBy(messageId, claimToken), cancellationToken);

    public async Task<IReadOnlyList<Message>> ListAsync(MessageQuery query, CancellationToken cancellationToken = default)
    {
        var documents = await Messages.Find(MessagingMongoQueries.List(query))
            .Sort(MessagingMongoQueries.NewestFirst)
            .Limit(query.Limit)
            .ToListAsync(cancellationToken);
        return documents.Select(d => d.ToMessage()).ToList();
    }
}

public sealed class MessageDocument
{
    [BsonId]
    public required string Id { get; set; }
    public required string ContactId { get; set; }
    public string? LeadId { get; set; }
    public required string Channel { get; set; }
    public required string Template { get; set; }
    public required string To { get; set; }
    public required string Subject { get; set; }
    public required string Status { get; set; }
    public required DateTimeOffset SentAt { get; set; }
    /// <summary>While <c>sending</c>: the delivery that holds the claim, and until when.</summary>
    public string? ClaimToken { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    public static MessageDocument From(Message message) => new()
    {
        Id = message.Id,
        ContactId = message.ContactId,
        LeadId = message.LeadId,
        Channel = message.Channel,
        Template = message.Template,
        To = message.To,
        Subject = message.Subject,
        Status = message.Status,
        SentAt = message.SentAt,
    };

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
