using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Conversations;

/// <summary>
/// What reps and team leads may write in Messaging (they hold <c>messaging:write</c>, see <see cref="PersonRoles"/>): their
/// own work only. Object level: a contact is theirs when its owner (<see cref="ContactOwner"/>, the contact's latest
/// <c>LeadAssigned</c>) is, anything else is 404 like an unknown id. Function level: configuration and bulk writes
/// (journeys, batch sends, owner changes by a rep) are for managers, admins and API keys: 403
/// (<see cref="ForWhoSeesEverything{TBuilder}"/>).
/// </summary>
public static class RepAccess
{
    /// <summary>
    /// The contact's owner when the caller acts for themselves (a rep or team lead) and owns the contact (their team's for a
    /// team lead); null for callers who see everything. A contact without an owner, or another rep's, is a 404 naming it.
    /// </summary>
    public static async Task<ContactOwner?> OwnedContactAsync(HttpContext http, UnitOfWork unit, string contactId, CancellationToken cancellationToken)
    {
        if (http.Caller() is not { SeesEverything: false } caller)
        {
            return null;
        }

        var owner = await unit.GetAsync(ConversationCollections.ContactOwners, contactId, cancellationToken);
        if (owner is null || !caller.Sees(owner.RepId, owner.TeamId))
        {
            throw ProblemException.NotFound("Contact", contactId);
        }

        return owner;
    }

    /// <summary>Refuses (403) callers who do not see everything (reps, team leads) before the endpoint runs.</summary>
    public static TBuilder ForWhoSeesEverything<TBuilder>(this TBuilder builder, string detail)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.Caller() is { SeesEverything: false }
                ? Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: detail)
                : await next(context));
}
