namespace Crm.Contacts.Consent;

// This file is the send rule, written once: Contacts compiles it as part of ConsentRules, and Messaging compiles the
// same file (linked in Crm.Messaging.csproj, like contacts.proto) to decide at send time from the consent that
// ContactDirectory.GetContact returns. It uses no type but these, so it compiles alone.

/// <summary>The channels consent is kept for (lower-case, as in the API and the events).</summary>
internal static class ConsentChannels
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string Whatsapp = "whatsapp";
    public const string Phone = "phone";

    public static readonly IReadOnlyList<string> All = [Email, Sms, Whatsapp, Phone];
}

/// <summary>A channel's recorded consent; a channel without a record is unknown (null).</summary>
internal static class ConsentStatus
{
    public const string Granted = "granted";
    public const string Withdrawn = "withdrawn";

    public static readonly IReadOnlyList<string> All = [Granted, Withdrawn];
}

/// <summary>What a message is for, which decides whether an unknown consent is enough.</summary>
internal enum SendPurpose
{
    /// <summary>
    /// A service message the person's own action asked for (the welcome answering their enquiry, a confirmation):
    /// allowed while the channel's consent is unknown.
    /// </summary>
    Transactional,

    /// <summary>Marketing (newsletters, offers, reactivation): only on a channel with consent granted.</summary>
    Marketing,
}

/// <summary>Whether a message may go, and if not why (<c>do-not-contact</c>, <c>withdrawn</c>, <c>no-consent</c>).</summary>
internal sealed record SendDecision(bool Allowed, string? Reason)
{
    public static readonly SendDecision Allow = new(true, null);
    public static readonly SendDecision DoNotContact = new(false, "do-not-contact");
    public static readonly SendDecision Withdrawn = new(false, "withdrawn");
    public static readonly SendDecision NoConsent = new(false, "no-consent");
}

internal static partial class ConsentRules
{
    /// <summary>
    /// May a message for <paramref name="purpose"/> go to the person on a channel whose consent is
    /// <paramref name="channelStatus"/> (granted, withdrawn, or null: unknown)? In this order:
    /// <list type="number">
    /// <item>do-not-contact blocks every message on every channel, whatever its purpose;</item>
    /// <item>a withdrawn channel blocks every message on it, whatever its purpose;</item>
    /// <item>marketing needs the channel granted;</item>
    /// <item>a transactional message (answering the person's own request) may go while the consent is unknown.</item>
    /// </list>
    /// </summary>
    public static SendDecision MaySend(bool doNotContact, string? channelStatus, SendPurpose purpose)
    {
        if (doNotContact)
        {
            return SendDecision.DoNotContact;
        }

        if (string.Equals(channelStatus, ConsentStatus.Withdrawn, StringComparison.Ordinal))
        {
            return SendDecision.Withdrawn;
        }

        if (purpose == SendPurpose.Marketing && !string.Equals(channelStatus, ConsentStatus.Granted, StringComparison.Ordinal))
        {
            return SendDecision.NoConsent;
        }

        return SendDecision.Allow;
    }
}
