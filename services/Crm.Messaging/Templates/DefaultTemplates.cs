namespace Crm.Messaging.Templates;

/// <summary>
/// The templates the platform ships (version 0): used when no stored template of the same key, channel and locale
/// overrides them (<c>PUT /api/messaging/templates/...</c>; deleting the stored one brings the default back).
/// </summary>
public static class DefaultTemplates
{
    /// <summary>The welcome e-mail sent when a lead is assigned to a rep (<c>Welcome/SendWelcomeOnLeadAssigned</c>).</summary>
    public const string Welcome = "welcome";

    /// <summary>The welcome of a lead captured through ads (the welcome journey's default branch on <c>channel</c>).</summary>
    public const string WelcomeAds = "welcome-ads";

    /// <summary>The welcome of a lead a partner sent (the welcome journey's default branch on <c>source</c>).</summary>
    public const string WelcomePartner = "welcome-partner";

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
        // The welcome journey's templates by lead (Journeys/DefaultJourneys.cs "welcome"): per capture channel / source, "welcome" the fallback.
        Journey(WelcomeAds, TemplateChannels.Email, TemplateChannels.Transactional, "Welcome, {{ contact.name | default: \"there\" }}: about {{ lead.campaign | default: \"our offer\" }}",
            "Hello {{ contact.name | default: \"there\" }},\n\nthank you for answering {{ lead.campaign | default: \"our offer\" }}. {{ rep.name }} is your personal contact from now on and will get in touch with you shortly.\n\nKind regards,\n{{ rep.name }}"),
        Journey(WelcomePartner, TemplateChannels.Email, TemplateChannels.Transactional, "Welcome, {{ contact.name | default: \"there\" }}!",
            "Hello {{ contact.name | default: \"there\" }},\n\nour partner {{ lead.source }} told us about your interest. {{ rep.name }} is your personal contact from now on and will get in touch with you shortly.\n\nKind regards,\n{{ rep.name }}"),
        .. Conversation(ConversationReply, "Re: {{ contact.name | default: \"your message\" }}", "{{ reply.text }}"),
        .. Conversation(CsatSurvey, "How did we do?", "How would you rate the help you got from us? Reply with a number from 1 (poor) to 5 (excellent)."),
        // The default journeys' templates (Journeys/DefaultJourneys.cs): contact variables with a default, and the trigger event's
        // (JourneyVariables): the ladder's rep.name (LeadAssigned), the post-purchase order (OrderPlaced, left out when
        // another event triggers it) — a send lacking a printed one fails.
        Journey("follow-up-1", TemplateChannels.Email, TemplateChannels.Transactional, "Following up on your request",
            "Hello {{ contact.first_name | default: \"there\" }},\n\nwe wanted to follow up on your request. Just reply to this e-mail if you have any questions.\n\nKind regards,\n{{ rep.name }}"),
        Journey("follow-up-1", TemplateChannels.Sms, TemplateChannels.Transactional, null,
            "Hi {{ contact.first_name | default: \"there\" }}, {{ rep.name }} here, following up on your request: reply here with any questions."),
        Journey("follow-up-2", TemplateChannels.Sms, TemplateChannels.Transactional, null,
            "Hi {{ contact.first_name | default: \"there\" }}, still interested? Reply and {{ rep.name }} will call you."),
        Journey("follow-up-2", TemplateChannels.Email, TemplateChannels.Transactional, "Still interested?",
            "Hello {{ contact.first_name | default: \"there\" }},\n\nare you still interested? Reply and {{ rep.name }} will call you.\n\nKind regards"),
        Journey("follow-up-3", TemplateChannels.WhatsApp, TemplateChannels.Transactional, null,
            "Hi {{ contact.first_name | default: \"there\" }}, one last follow-up from {{ rep.name }}: reply here if we can help.", "follow_up_3"),
        Journey("follow-up-3", TemplateChannels.Sms, TemplateChannels.Transactional, null,
            "Hi {{ contact.first_name | default: \"there\" }}, one last follow-up from {{ rep.name }}: reply if we can help."),
        Journey("reactivation", TemplateChannels.Email, TemplateChannels.Marketing, "We miss you, {{ contact.first_name | default: \"there\" }}",
            "Hello {{ contact.first_name | default: \"there\" }},\n\nit has been a while. Have a look at what is new.\n\nKind regards"),
        Journey("reactivation", TemplateChannels.Sms, TemplateChannels.Marketing, null,
            "Hi {{ contact.first_name | default: \"there\" }}, it has been a while: have a look at what is new."),
        Journey("abandoned-cart", TemplateChannels.Email, TemplateChannels.Marketing, "You left something in your cart",
            "Hello {{ contact.first_name | default: \"there\" }},\n\nyour cart is still waiting for you.\n\nKind regards"),
        Journey("abandoned-cart", TemplateChannels.Sms, TemplateChannels.Marketing, null,
            "Hi {{ contact.first_name | default: \"there\" }}, your cart is still waiting for you."),
        Journey("post-purchase", TemplateChannels.Email, TemplateChannels.Transactional, "How is your purchase?",
            "Hello {{ contact.first_name | default: \"there\" }},\n\nthank you for your order{% if order.reference %} {{ order.reference }} ({{ order.total }} {{ order.currency }}){% endif %}. How do you like it? Just reply to this e-mail.\n\nKind regards"),
        Journey("birthday", TemplateChannels.Email, TemplateChannels.Marketing, "Happy birthday, {{ contact.first_name | default: \"there\" }}!",
            "Hello {{ contact.first_name | default: \"there\" }},\n\nhappy birthday from all of us!\n\nKind regards"),
        Journey("birthday", TemplateChannels.Sms, TemplateChannels.Marketing, null,
            "Happy birthday, {{ contact.first_name | default: \"there\" }}! From all of us."),
        .. Alerts.AlertTemplates.All,
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

    private static MessageTemplate Journey(string key, string channel, string purpose, string? subject, string body, string? providerTemplate = null) => new()
    {
        Id = MessageTemplate.IdOf(key, channel, Locale),
        Key = key,
        Channel = channel,
        Locale = Locale,
        Purpose = purpose,
        Subject = subject,
        Body = body,
        ProviderTemplate = providerTemplate,
        ProviderLanguage = providerTemplate is null ? null : Locale,
        Version = 0,
    };

    public static MessageTemplate? Find(string key, string channel, string locale) =>
        All.FirstOrDefault(t => t.Key == key && t.Channel == channel && t.Locale == locale);
}
