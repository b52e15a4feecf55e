using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Erasure;

/// <summary>
/// Queue <c>contacts-contact-data-erased</c>: a service's <c>ContactDataErased</c> recorded on its erasure request (the
/// first confirmation of each service stands). A confirmation of a request Contacts does not know changes nothing.
/// </summary>
public sealed class RecordErasureConfirmation(UnitOfWork unit) : IConsumer<ContactDataErased>
{
    public async Task Consume(ConsumeContext<ContactDataErased> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.RequestId) || string.IsNullOrWhiteSpace(message.Service))
        {
            throw new InvalidMessageException("ContactDataErased needs a requestId and a service.");
        }

        if (await unit.GetAsync(ErasureCollections.Requests, message.RequestId, context.CancellationToken) is { } request
            && request.Confirmed(message.Service, message.OccurredAt.TruncateToMs(), message.Records) is { } confirmed)
        {
            unit.Replace(ErasureCollections.Requests, confirmed, request.Version);
        }
    }
}
