namespace Crm.Messaging.Templates;

/// <summary>
/// The templates the platform ships (version 0): used when no stored template of the same key, channel and locale
/// overrides them (<c>PUT /api/messaging/templates/...</c>; deleting the stored one brings the default back).
/// </summary>
public static class DefaultTemplates
{
    /// <summary>The welcome e-mail sent when a lead is assigned to a rep (<c>Welcome/SendWelcomeOnLeadAssigned</c>).</summary>
    public const string Welcome = "welcome";

    /// <summary>The locale the defaults are written in.</summary>
    public const string Locale = "en";

    public static readonly IReadOnlyList<MessageTemplate> All =
    [
        new()
        {
            Id = MessageTemplate.IdOf(Welcome, TemplateChannels.Email, Locale),
            Key = Welcome,
            Channel = TemplateChannels.Email,
            Locale = Locale,
            Purpose = TemplateChannels.Transactional,
            Subject = "Welcome, {{ contact.name | default: \"there\" }}!",
            Body = """
                Hello {{ contact.name | default: "there" }},

                thank you for your interest. {{ rep.name }} is your personal contact from now on and will get in touch with you shortly.

                Kind regards,
                {{ rep.name }}
                """,
            Version = 0,
        },
        .. Conversation(ConversationReply, "Re: {{ contact.name | default: \"your message\" }}", "{{ reply.text }}"),
        .. Conversation(CsatSurvey, "How did we do?", "How would you rate the help you got from us? Reply with a number from 1 (poor) to 5 (excellent)."),
    ];

    /// <summary>A conversation's reply (<c>Conversations/</c>): the rep's text, on the conversation's channel.</summary>
    public const string ConversationReply = "conversation-reply";

    /// <summary>The satisfaction survey sent when a conversation is resolved; the contact answers 1-5.</summary>
    public const string CsatSurvey = "csat-survey";

    private static IEnumerable<MessageTemplate> Conversation(string key, string subject, string body) =>
        new[] { TemplateChannels.Email, TemplateChannels.Sms, TemplateChannels.WhatsApp }.Select(channel => new MessageTemplate
        {
            Id = MessageTemplate.IdOf(key, channel, Locale),
            Key = key,
            Channel = channel,
            Locale = Locale,
            Purpose = TemplateChannels.Transactional,
            Subject = channel == TemplateChannels.Email ? subject : null,
            Body = body,
            Version = 0,
        });

    public static MessageTemplate? Find(string key, string channel, string locale) =>
        All.FirstOrDefault(t => t.Key == key && t.Channel == channel && t.Locale == locale);
}
