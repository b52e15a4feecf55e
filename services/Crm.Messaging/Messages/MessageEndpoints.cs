using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.ServiceDefaults.Http;

namespace Crm.Messaging.Messages;

public static class MessageEndpoints
{
    public static RouteGroupBuilder MapMessageEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/messages", ListAsync);
        return group;
    }

    /// <summary><c>GET /api/messaging/messages?contactId=&amp;leadId=&amp;limit=&amp;cursor=</c>: newest first.</summary>
    private static async Task<Page<MessageResponse>> ListAsync(
        IMessageStore store,
        string? contactId,
        string? leadId,
        string? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var size = Paging.Limit(limit, errors);
        MessageCursor? after = null;
        if (cursor is not null && !MessageCursor.TryDecode(cursor, out after))
        {
            errors.Add("cursor", "Not a cursor of this list: pass nextCursor from the previous page.");
        }

        errors.ThrowIfAny();
        var items = await store.ListAsync(new MessageQuery
        {
            ContactId = string.IsNullOrWhiteSpace(contactId) ? null : contactId,
            LeadId = string.IsNullOrWhiteSpace(leadId) ? null : leadId,
            After = after,
            Limit = size + 1,
        }, cancellationToken);
        var page = items.Take(size).ToList();
        return new Page<MessageResponse>
        {
            Items = page.Select(m => m.ToResponse()).ToList(),
            NextCursor = items.Count > size ? MessageCursor.From(page[^1]).Encode() : null,
        };
    }
}
