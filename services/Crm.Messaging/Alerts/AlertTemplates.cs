using Crm.Messaging.Templates;

namespace Crm.Messaging.Alerts;

/// <summary>
/// The default templates of the SLA alerts (e-mail, <c>en</c>, transactional), editable like any template. Variables:
/// <c>rep.name</c> (the recipient), <c>lead.id</c>, <c>lead.grade</c>, <c>lead.sla</c> (first-contact / follow-up),
/// <c>lead.owner</c> (the owning rep's name), <c>lead.due_at</c> (a warning: when the target is reached) and
/// <c>lead.target</c> (a breach: the target).
/// </summary>
public static class AlertTemplates
{
    public const string SlaWarning = "sla-warning";
    public const string SlaBreached = "sla-breached";

    public static readonly IReadOnlyList<MessageTemplate> All =
    [
        Email(
            SlaWarning,
            "SLA warning: lead {{ lead.id }} ({{ lead.sla }})",
            """
            Hello {{ rep.name }},

            the {{ lead.sla }} SLA of lead {{ lead.id }} ({{ lead.grade | default: "no grade" }}) is due at {{ lead.due_at }}: act now.
            """),
        Email(
            SlaBreached,
            "SLA breached: lead {{ lead.id }} ({{ lead.sla }})",
            """
            Hello {{ rep.name }},

            the {{ lead.sla }} SLA of lead {{ lead.id }} ({{ lead.grade | default: "no grade" }}), owned by {{ lead.owner }}, was missed (target {{ lead.target }}).
            """),
    ];

    private static MessageTemplate Email(string key, string subject, string body) => new()
    {
        Id = MessageTemplate.IdOf(key, TemplateChannels.Email, DefaultTemplates.Locale),
        Key = key,
        Channel = TemplateChannels.Email,
        Locale = DefaultTemplates.Locale,
        Purpose = TemplateChannels.Transactional,
        Subject = subject,
        Body = body,
        Version = 0,
    };
}
