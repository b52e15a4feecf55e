using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Analytics.Contacts;
using Crm.Analytics.ReadModels;
using Crm.Contracts.Contacts;

namespace Crm.Analytics.EventLog;

/// <summary>
/// How an event becomes a log entry and back (pure). The body keeps what the read models need and drops what they do
/// not that names or reaches a person: a name, an e-mail, a phone, an address (<c>to</c>), and who acted (<c>by</c>,
/// <c>capturedBy</c>, …, a rep's name): strings are blanked (the contracts require some), objects removed. What stays
/// personal is the contact id, which an erasure rewrites (<see cref="EventLogErasure"/>).
/// </summary>
public static class EventLogEntries
{
    /// <summary>Top-level properties (camelCase) never logged.</summary>
    public static readonly IReadOnlySet<string> PersonalFields = new HashSet<string>(
        ["name", "email", "phone", "to", "from", "address", "repName", "by", "capturedBy", "assignedBy", "resolvedBy", "text", "body", "subject"],
        StringComparer.OrdinalIgnoreCase);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Dictionary<string, Type> Types = AnalyticsProjection.EventTypes.ToDictionary(t => t.FullName!, StringComparer.Ordinal);

    /// <summary>The entry of <paramref name="message"/> (message id <paramref name="messageId"/>) arriving at <paramref name="receivedAt"/>.</summary>
    public static LoggedEvent Create(object message, Guid messageId, string sequence, DateTimeOffset receivedAt)
    {
        var body = JsonSerializer.SerializeToNode(message, message.GetType(), Json) as JsonObject ?? [];
        foreach (var name in body.Select(p => p.Key).Where(PersonalFields.Contains).ToList())
        {
            if (body[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
            {
                body[name] = string.Empty;
            }
            else
            {
                body.Remove(name);
            }
        }

        var contactId = ContactOf(body);
        if (message is ContactErasureRequested erasure && !string.IsNullOrWhiteSpace(erasure.RequestId))
        {
            // The request itself names the person: logged already under the anonymous id its erasure moves them to.
            contactId = ContactRecords.AnonymousIdFor(erasure.RequestId);
            body["contactId"] = contactId;
        }

        return new LoggedEvent
        {
            Id = messageId.ToString("N"),
            Sequence = sequence,
            Type = message.GetType().FullName!,
            Body = body.ToJsonString(Json),
            OccurredAt = body["occurredAt"] is JsonValue at && at.TryGetValue<DateTimeOffset>(out var occurredAt) ? occurredAt : default,
            ReceivedAt = receivedAt,
            ContactId = contactId,
        };
    }

    /// <summary>The event an entry holds, or null when no read model reads its type (logged by a newer version, say).</summary>
    public static object? Read(LoggedEvent entry) =>
        Types.TryGetValue(entry.Type, out var type) ? JsonSerializer.Deserialize(entry.Body, type, Json) : null;

    /// <summary>
    /// The entry with every mention of <paramref name="contactId"/> (its <c>contactId</c>, a merge's survivor or merged
    /// ids) replaced by <paramref name="anonymousId"/>; null when it does not mention the contact.
    /// </summary>
    public static LoggedEvent? Rewrite(LoggedEvent entry, string contactId, string anonymousId)
    {
        var body = JsonNode.Parse(entry.Body);
        if (body is null || !Replace(body, contactId, anonymousId))
        {
            return entry.ContactId == contactId ? entry with { ContactId = anonymousId, Version = entry.Version + 1 } : null;
        }

        var rewritten = (JsonObject)body;
        return entry with { Body = rewritten.ToJsonString(Json), ContactId = ContactOf(rewritten), Version = entry.Version + 1 };
    }

    private static string? ContactOf(JsonObject body) =>
        (body["contactId"] ?? body["survivorId"]) is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static bool Replace(JsonNode node, string from, string to)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (child is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == from)
                    {
                        obj[key] = to;
                        changed = true;
                    }
                    else if (child is not null)
                    {
                        changed |= Replace(child, from, to);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == from)
                    {
                        array[i] = to;
                        changed = true;
                    }
                    else if (array[i] is { } child)
                    {
                        changed |= Replace(child, from, to);
                    }
                }

                break;
        }

        return changed;
    }
}
