using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Contacts;

/// <summary>
/// Queue <c>analytics-contact-erasure-requested</c>: Analytics holds nothing about a person, so there is nothing to
/// erase, and <c>ContactDataErased</c> (service <c>analytics</c>, 0 records) confirms it in the unit the consume pipeline
/// commits (with its inbox record). What it stores: <c>counters</c> — per UTC day a metric and a key (a lead source,
/// a channel, a grade, or empty for totals) and a count — never a contact id, lead id, name or address; the events it
/// consumes are reduced to those increments when they arrive. Replaying old events adds to counts only, never a
/// person's data. A second request (a new message id) confirms again, as Leads and Assignment do.
/// </summary>
public sealed class ConfirmErasureOnErasureRequested(UnitOfWork unit) : IConsumer<ContactErasureRequested>
{
    public const string ServiceName = "analytics";

    public Task Consume(ConsumeContext<ContactErasureRequested> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.ContactId) || string.IsNullOrWhiteSpace(message.RequestId))
        {
            throw new InvalidMessageException("ContactErasureRequested needs a contactId and a requestId.");
        }

        unit.Publish(new ContactDataErased
        {
            EventId = Ids.NewGuid(),
            OccurredAt = unit.Now,
            ContactId = message.ContactId,
            RequestId = message.RequestId,
            Service = ServiceName,
            Records = ContactRecords.Count,
        });
        return Task.CompletedTask;
    }
}
