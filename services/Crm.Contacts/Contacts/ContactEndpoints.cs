using Crm.Contacts.Ownership;
using Crm.Contacts.Timeline;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using TimelineEntry = Crm.Contacts.Timeline.TimelineEntry;

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
            .WithSummary("Get a contact")
            .WithDescription($"The single customer view: the person's identity data (e-mails, phones) and their timeline, newest first (at most {TimelineLimit} entries).")
            .WithParameterDescription("id", "The contact's id (`contactId` of a lead or message).")
            .Produces<ContactResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>
    /// A rep or team lead sees a contact only when one of its leads is theirs or their team's
    /// (<see cref="ContactOwners"/>); any other contact is answered exactly like one that does not exist.
    /// </summary>
    private static async Task<IResult> GetContactAsync(string id, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var contact = await store.GetAsync(ContactCollections.Contacts, id, cancellationToken);
        if (contact is not null && http.Caller() is { SeesEverything: false } caller)
        {
            var owners = await store.GetAsync(OwnershipCollections.Owners, id, cancellationToken);
            if (owners is null || !caller.SeesAny(owners.Owners))
            {
                contact = null;
            }
        }

        if (contact is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Contact not found.", detail: $"No contact has the id '{id}'.");
        }

        var timeline = await store.FindAsync(TimelineQueries.NewestFirst(id, TimelineLimit), cancellationToken);
        return Results.Ok(ToResponse(contact, timeline));
    }

    private static ContactResponse ToResponse(Contact contact, IReadOnlyList<TimelineEntry> timeline) => new()
    {
        Id = contact.Id,
        Name = contact.Name,
        Emails = contact.Emails,
        Phones = contact.Phones,
        CreatedAt = contact.CreatedAt,
        Version = contact.Version,
        Timeline = [.. timeline.Select(t => new Crm.Contracts.Api.Contacts.TimelineEntry
        {
            EventId = t.Id,
            Type = t.Type,
            OccurredAt = t.OccurredAt,
            Summary = t.Summary,
            LeadId = t.LeadId,
        })],
    };
}
