namespace Crm.Messaging.Templates;

/// <summary>The welcome e-mail sent when a lead is assigned to a rep (Liquid: <c>name</c>, <c>rep</c>).</summary>
public static class WelcomeTemplate
{
    public const string Name = "welcome";

    public const string Subject = "Welcome, {{ name }}!";

    public const string Body = """
        Hello {{ name }},

        thank you for your interest. {{ rep }} is your personal contact from now on and will get in touch with you shortly.

        Kind regards,
        {{ rep }}
        """;

    /// <summary>Used when the contact has no name.</summary>
    public const string FallbackName = "there";
}
