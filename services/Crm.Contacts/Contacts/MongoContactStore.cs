using Crm.Contacts.Identity;
using Crm.Contacts.Storage;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Driver;

namespace Crm.Contacts.Contacts;

public sealed class MongoContactStore(MongoDb db) : IContactStore
{
    private IMongoCollection<ContactDocument> Contacts => db.Collection<ContactDocument>(ContactsSchema.Contacts);

    private IMongoCollection<ContactIdentityDocument> Identities => db.Collection<ContactIdentityDocument>(ContactsSchema.Identities);

    private IMongoCollection<TimelineDocument> Timeline => db.Collection<TimelineDocument>(ContactsSchema.Timeline);

    public async Task<Contact?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var document = await Contacts.Find(d => d.Id == id).FirstOrDefaultAsync(cancellationToken);
        return document?.ToContact();
    }

    public async Task<Contact?> FindByIdentityAsync(ContactIdentity identity, CancellationToken cancellationToken = default)
    {
        var key = identity.Key;
        var owner = await Identities.Find(d => d.Id == key).FirstOrDefaultAsync(cancellationToken);
        return owner is null ? null : await GetAsync(owner.ContactId, cancellationToken);
    }

    public Task<ResolveOutcome> ResolveAsync(ResolveCommand command, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            var requested = command.Identities;
            var keys = requested.Select(i => i.Key).ToList();
            var stored = await Identities.Find(tx.Session, ContactsMongoQueries.IdentitiesWithKeys(keys)).ToListAsync(cancellationToken);
            var owners = requested
                .Select(i => (Identity: i, Owner: stored.FirstOrDefault(s => s.Id == i.Key)))
                .Where(x => x.Owner is not null)
                .ToDictionary(x => x.Identity, x => x.Owner!.ContactId);

            var matched = new List<Contact>();
            if (owners.Count > 0)
            {
                var ids = owners.Values.Distinct().ToList();
                var documents = await Contacts.Find(tx.Session, ContactsMongoQueries.ContactsWithIds(ids)).ToListAsync(cancellationToken);
                matched.AddRange(documents.Select(d => d.ToContact()));
            }

            var plan = ContactResolution.Plan(command, owners, matched, Ids.New(), tx.Now);
            var contact = plan.Contact;
            if (plan.NewIdentities.Count > 0)
            {
                var documents = plan.NewIdentities.Select(i => new ContactIdentityDocument
                {
                    Id = i.Key,
                    Kind = i.KindName,
                    Value = i.Value,
                    ContactId = contact.Id,
                    CreatedAt = tx.Now,
                }).ToList();
                try
                {
                    await Identities.InsertManyAsync(tx.Session, documents, cancellationToken: cancellationToken);
                }
                catch (MongoBulkWriteException ex) when (ex.WriteErrors.Any(e => e.Category == ServerErrorCategory.DuplicateKey))
                {
                    throw new IdentityConflictException("An identity of this request is already stored for another contact.", ex);
                }
                catch (MongoWriteException ex) when (ex.WriteError?.Category == ServerErrorCategory.DuplicateKey)
                {
                    throw new IdentityConflictException("An identity of this request is already stored for another contact.", ex);
                }
            }

            if (plan.Created)
            {
                await Contacts.InsertOneAsync(tx.Session, ContactDocument.From(contact), cancellationToken: cancellationToken);
            }
            else if (plan.Changed)
            {
                var expected = plan.ExpectedVersion;
                var result = await Contacts.ReplaceOneAsync(
                    tx.Session,
                    ContactsMongoQueries.ContactAtVersion(contact.Id, expected),
                    ContactDocument.From(contact),
                    cancellationToken: cancellationToken);
                if (result.MatchedCount == 0)
                {
                    throw new ConcurrencyException($"Contact '{contact.Id}' changed while it was being resolved.");
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

            // Upsert that only inserts: the same event delivered under another message id keeps its first entry.
            var update = ContactsMongoQueries.InsertTimelineEntry(item, tx.Now);
            await Timeline.UpdateOneAsync(tx.Session, d => d.Id == item.EventId, update, new UpdateOptions { IsUpsert = true }, cancellationToken);
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<TimelineItem>> GetTimelineAsync(string contactId, int limit, CancellationToken cancellationToken = default)
    {
        var documents = await Timeline.Find(ContactsMongoQueries.TimelineOf(contactId))
            .Sort(ContactsMongoQueries.TimelineNewestFirst)
            .Limit(limit)
            .ToListAsync(cancellationToken);
        return documents.Select(d => new TimelineItem
        {
            EventId = d.Id,
            ContactId = d.ContactId,
            Type = d.Type,
            OccurredAt = d.OccurredAt,
            Summary = d.Summary,
            LeadId = d.LeadId,
        }).ToList();
    }
}
