using System.Globalization;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Timeline;

/// <summary>Turns other services' events into timeline entries with a human summary (pure: the recording time is passed in).</summary>
public static class TimelineEntries
{
    public const string LeadCapturedType = "lead-captured";
    public const string LeadScoredType = "lead-scored";
    public const string LeadAssignedType = "lead-assigned";
    public const string MessageSentType = "message-sent";
    public const string OrderPlacedType = "order-placed";
    public const string CallLoggedType = "call-logged";

    /// <summary>"Lead captured from google-ads via web".</summary>
    public static TimelineEntry From(LeadCaptured e, DateTimeOffset recordedAt)
    {
        RequireLead(e.EventId, e.ContactId, e.LeadId, nameof(LeadCaptured));
        return Entry(e.EventId, e.ContactId, LeadCapturedType, e.OccurredAt, $"Lead captured from {Or(e.Source, "an unknown source")} via {Or(e.Channel, "an unknown channel")}", e.LeadId, recordedAt);
    }

    /// <summary>"Scored 28 (hot)", or "Scored 28 (hot), was 13 (warm)" when it had a score before.</summary>
    public static TimelineEntry From(LeadScored e, DateTimeOffset recordedAt)
    {
        RequireLead(e.EventId, e.ContactId, e.LeadId, nameof(LeadScored));
        var summary = string.Create(CultureInfo.InvariantCulture, $"Scored {e.Score} ({Or(e.Grade, "ungraded")})");
        if (e.PreviousScore is { } previous)
        {
            summary += e.PreviousGrade is { Length: > 0 } previousGrade
                ? string.Create(CultureInfo.InvariantCulture, $", was {previous} ({previousGrade})")
                : string.Create(CultureInfo.InvariantCulture, $", was {previous}");
        }

        return Entry(e.EventId, e.ContactId, LeadScoredType, e.OccurredAt, summary, e.LeadId, recordedAt);
    }

    /// <summary>"Assigned to Anna".</summary>
    public static TimelineEntry From(LeadAssigned e, DateTimeOffset recordedAt)
    {
        RequireLead(e.EventId, e.ContactId, e.LeadId, nameof(LeadAssigned));
        return Entry(e.EventId, e.ContactId, LeadAssignedType, e.OccurredAt, $"Assigned to {Or(e.RepName, Or(e.RepId, "a rep"))}", e.LeadId, recordedAt);
    }

    /// <summary>"E-mail 'welcome' sent to a@b.c", "SMS 'reminder' sent to +49301234567".</summary>
    public static TimelineEntry From(MessageSent e, DateTimeOffset recordedAt)
    {
        Require(e.EventId, e.ContactId, nameof(MessageSent));
        var what = e.Channel?.ToLowerInvariant() switch
        {
            "email" => "E-mail",
            "sms" => "SMS",
            "whatsapp" => "WhatsApp message",
            null or "" => "Message",
            var other => $"{other} message",
        };
        var leadId = string.IsNullOrWhiteSpace(e.LeadId) ? null : e.LeadId;
        return Entry(e.EventId, e.ContactId, MessageSentType, e.OccurredAt, $"{what} '{e.Template}' sent to {e.To}", leadId, recordedAt);
    }

    /// <summary>"Outbound call, answered, 2 min 5 s" (no number: the call's message in Messaging has it).</summary>
    public static TimelineEntry From(CallLogged e, DateTimeOffset recordedAt)
    {
        Require(e.EventId, e.ContactId, nameof(CallLogged));
        var direction = e.Direction?.ToLowerInvariant() switch
        {
            "inbound" => "Inbound call",
            "outbound" => "Outbound call",
            _ => "Call",
        };
        var seconds = Math.Max(0, e.DurationSeconds);
        var length = seconds >= 60
            ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60} min {seconds % 60} s")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds} s");
        var leadId = string.IsNullOrWhiteSpace(e.LeadId) ? null : e.LeadId;
        return Entry(e.EventId, e.ContactId, CallLoggedType, e.StartedAt, $"{direction}, {Or(e.Outcome, "logged")}, {length}", leadId, recordedAt);
    }

    /// <summary>"Order SHOP-100234 placed: 129.90 EUR, 2 lines, via web".</summary>
    public static TimelineEntry From(OrderPlaced e, DateTimeOffset recordedAt)
    {
        Require(e.EventId, e.ContactId, nameof(OrderPlaced));
        var lines = e.Items == 1 ? "1 line" : string.Create(CultureInfo.InvariantCulture, $"{e.Items} lines");
        var via = string.IsNullOrWhiteSpace(e.Channel) ? string.Empty : $", via {e.Channel}";
        return Entry(e.EventId, e.ContactId, OrderPlacedType, e.PlacedAt, $"Order {e.Reference} placed: {e.Amount} {e.Currency}, {lines}{via}", null, recordedAt);
    }

    /// <summary>Times at millisecond precision (UTC), so both stores return exactly what was written.</summary>
    private static TimelineEntry Entry(Guid eventId, string contactId, string type, DateTimeOffset occurredAt, string summary, string? leadId, DateTimeOffset recordedAt) => new()
    {
        Id = eventId.ToString("D"),
        ContactId = contactId,
        Type = type,
        OccurredAt = occurredAt.TruncateToMs(),
        Summary = summary,
        LeadId = leadId,
        RecordedAt = recordedAt.TruncateToMs(),
    };

    private static void RequireLead(Guid eventId, string contactId, string leadId, string eventName)
    {
        Require(eventId, contactId, eventName);
        if (string.IsNullOrWhiteSpace(leadId))
        {
            throw new InvalidMessageException($"{eventName} has no LeadId.");
        }
    }

    private static void Require(Guid eventId, string contactId, string eventName)
    {
        if (eventId == Guid.Empty)
        {
            throw new InvalidMessageException($"{eventName} has no EventId.");
        }

        if (string.IsNullOrWhiteSpace(contactId))
        {
            throw new InvalidMessageException($"{eventName} has no ContactId.");
        }
    }

    private static string Or(string? value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value;
}
