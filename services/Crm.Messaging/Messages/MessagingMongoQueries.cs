using Crm.Messaging.Email;
using MongoDB.Driver;

namespace Crm.Messaging.Messages;

/// <summary>The filters, updates and sorts of <see cref="MongoMessageStore"/> (rendered to BSON in the tests).</summary>
internal static class MessagingMongoQueries
{
    /// <summary>The one message per (lead, template): the unique index of the collection.</summary>
    public static FilterDefinition<MessageDocument> ForLeadAndTemplate(string leadId, string template) =>
        Builders<MessageDocument>.Filter.Where(d => d.LeadId == leadId && d.Template == template);

    /// <summary>The message while the claim read before is still the one it holds (null: none).</summary>
    public static FilterDefinition<MessageDocument> HeldBy(string id, string? claimToken) =>
        Builders<MessageDocument>.Filter.Where(d => d.Id == id && d.ClaimToken == claimToken);

    public static UpdateDefinition<MessageDocument> TakeOver(string claimToken, DateTimeOffset leaseUntil) =>
        Builders<MessageDocument>.Update.Set(d => d.ClaimToken, claimToken).Set(d => d.LeaseUntil, leaseUntil);

    /// <summary>The message while it is being sent under <paramref name="claimToken"/>.</summary>
    public static FilterDefinition<MessageDocument> ClaimedBy(string id, string claimToken) =>
        Builders<MessageDocument>.Filter.Where(d => d.Id == id && d.Status == EmailStatus.Sending && d.ClaimToken == claimToken);

    /// <summary>Writes the outcome and drops the claim.</summary>
    public static UpdateDefinition<MessageDocument> Complete(Message message) =>
        Builders<MessageDocument>.Update
            .Set(d => d.ContactId, message.ContactId)
            .Set(d => d.Channel, message.Channel)
            .Set(d => d.To, message.To)
            .Set(d => d.Subject, message.Subject)
            .Set(d => d.Status, message.Status)
            .Set(d => d.SentAt, message.SentAt)
            .Set(d => d.ClaimToken, null)
            .Set(d => d.LeaseUntil, null);

    /// <summary>Finished messages (not those being sent) of the query's filters, after its cursor in <see cref="NewestFirst"/> order.</summary>
    public static FilterDefinition<MessageDocument> List(MessageQuery query)
    {
        var f = Builders<MessageDocument>.Filter;
        var filter = f.Ne(d => d.Status, EmailStatus.Sending);
        if (query.ContactId is not null)
        {
            filter &= f.Eq(d => d.ContactId, query.ContactId);
        }

        if (query.LeadId is not null)
        {
            filter &= f.Eq(d => d.LeadId, query.LeadId);
        }

        if (query.After is { } after)
        {
            filter &= f.Lt(d => d.SentAt, after.SentAt) | (f.Eq(d => d.SentAt, after.SentAt) & f.Lt(d => d.Id, after.Id));
        }

        return filter;
    }

    public static readonly SortDefinition<MessageDocument> NewestFirst =
        Builders<MessageDocument>.Sort.Descending(d => d.SentAt).Descending(d => d.Id);
}
