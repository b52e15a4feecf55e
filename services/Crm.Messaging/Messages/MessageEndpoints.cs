using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

public static class MessageEndpoints
{
    public static RouteGroupBuilder MapMessageEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/messages", ListAsync);
        return group;
    }

    /// <summary>
    /// <c>GET /api/messaging/messages?contactId=&amp;leadId=&amp;limit=&amp;cursor=</c>: finished messages, newest first
    /// (sentAt, then id), paged by the layer's keyset cursor (opaque: its format may change).
    /// </summary>
    private static async Task<Page<MessageResponse>> ListAsync(
        IDocumentStore store,
        string? contactId,
        string? leadId,
        string? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var size = Paging.Limit(limit, errors);
        var list = MessageQueries.Newest(Given(contactId), Given(leadId));
        if (!list.TryStartAfter(cursor, out var query))
        {
            errors.Add("cursor", "Not a cursor of this list: pass nextCursor from the previous page.");
        }

        errors.ThrowIfAny();
        var page = await store.PageAsync(query, size, cancellationToken);
        return new Page<MessageResponse>
        {
            Items = page.Items.Select(m => m.ToResponse()).ToList(),
            NextCursor = page.NextCursor,
        };
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
