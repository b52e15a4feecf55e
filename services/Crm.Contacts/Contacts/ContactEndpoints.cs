using Crm.Contracts.Api.Contacts;

namespace Crm.Contacts.Contacts;

/// <summary><c>/api/contacts</c>: the single customer view.</summary>
public static class ContactEndpoints
{
    /// <summary>Timeline entries returned with a contact, newest first.</summary>
    public const int TimelineLimit = 100;

    public static RouteGroupBuilder MapContactEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}", GetContactAsync)
            .WithName("GetContact")
            .Produces<ContactResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> GetContactAsync(string id, IContactStore store, CancellationToken cancellationToken)
    {
        var contact = await store.GetAsync(id, cancellationToken);
        if (contact is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Contact not found.", detail: $"No contact has the id '{id}'.");
        }

        var timeline = await store.GetTimelineAsync(id, TimelineLimit, cancellationToken);
        return Results.Ok(new ContactResponse
        {
            Id = contact.Id,
            Name = contact.Name,
            Emails = contact.Emails,
            Phones = contact.Phones,
            CreatedAt = contact.CreatedAt,
            Version = contact.Version,
            Timeline = [.. timeline.Select(t => new TimelineEntry
            {
                EventId = t.EventId,
                Type = t.Type,
                OccurredAt = t.OccurredAt,
                Summary = t.Summary,
                LeadId = t.LeadId,
            })],
        });
    }
}
