namespace Crm.Messaging.Email;

/// <summary>
/// Config section <c>Smtp</c>. With a <see cref="Host"/> e-mails go to that SMTP server; without one (the local
/// default) they are written as <c>.eml</c> files into <see cref="PickupDirectory"/>.
/// </summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    /// <summary>Sender, e.g. <c>CRM &lt;no-reply@crm.local&gt;</c>.</summary>
    public string From { get; set; } = "CRM <no-reply@crm.local>";
    public string? UserName { get; set; }
    public string? Password { get; set; }
    /// <summary>true: STARTTLS is required; false (default): plain SMTP, e.g. a relay or sink on loopback.</summary>
    public bool UseStartTls { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Folder for <c>.eml</c> files when no <see cref="Host"/> is set; relative to the working directory.</summary>
    public string PickupDirectory { get; set; } = "data/mail-pickup";

    public bool HasServer => !string.IsNullOrWhiteSpace(Host);
}
