using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage.Outbox;
using MongoDB.Driver;

namespace Crm.ServiceDefaults.Storage.Mongo;

/// <summary>An open MongoDB transaction. Pass <see cref="Session"/> to every collection call.</summary>
public sealed class MongoTx(IClientSessionHandle session, MongoDb db, DateTimeOffset now) : ITransactionScope
{
    public IClientSessionHandle Session { get; } = session;

    public MongoDb Db { get; } = db;

    public DateTimeOffset Now { get; } = now;

    internal int Published { get; private set; }

    public async Task PublishAsync(object message, CancellationToken cancellationToken = default)
    {
        var record = OutboxSerializer.Create(message, Now);
        await Db.Collection<MongoOutboxDocument>(MongoDb.Outbox).InsertOneAsync(Session, new MongoOutboxDocument
        {
            Id = record.Id,
            Type = record.Type,
            Body = record.Body,
            CreatedAt = record.CreatedAt,
        }, cancellationToken: cancellationToken);
        Published++;
    }

    public async Task<bool> TryAcceptAsync(InboxKey key, CancellationToken cancellationToken = default)
    {
        var inbox = Db.Collection<MongoInboxDocument>(MongoDb.Inbox);
        var id = key.Id;
        if (await inbox.Find(Session, d => d.Id == id).AnyAsync(cancellationToken))
        {
            return false;
        }

        // A concurrent delivery of the same message makes this a write conflict: the driver retries the whole
        // transaction, which then sees the entry above.
        await inbox.InsertOneAsync(Session, new MongoInboxDocument
        {
            Id = id,
            Consumer = key.Consumer,
            MessageId = key.MessageId,
            ReceivedAt = Now,
        }, cancellationToken: cancellationToken);
        return true;
    }

    public async Task RecordIdempotencyAsync(IdempotentResponse response, CancellationToken cancellationToken = default)
    {
        try
        {
            await Db.Collection<MongoIdempotencyDocument>(MongoDb.Idempotency).InsertOneAsync(Session, new MongoIdempotencyDocument
            {
                Id = $"{response.Scope}:{response.Key}",
                Scope = response.Scope,
                Key = response.Key,
                RequestHash = response.RequestHash,
                StatusCode = response.StatusCode,
                Location = response.Location,
                Body = response.Body,
                CreatedAt = response.CreatedAt,
            }, cancellationToken: cancellationToken);
        }
        catch (MongoWriteException ex) when (ex.WriteError?.Category == ServerErrorCategory.DuplicateKey)
        {
            throw new DuplicateIdempotencyKeyException($"Idempotency key '{response.Key}' is already used.", ex);
        }
    }
}
