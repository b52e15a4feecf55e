namespace Crm.Messaging.Pressure;

/// <summary>What <see cref="ContactPressure.Decide"/> says about a message.</summary>
public enum PressureOutcome
{
    /// <summary>It may go now.</summary>
    Send,

    /// <summary>It waits until <see cref="PressureDecision.Until"/>, then is decided again (it is never dropped).</summary>
    Delay,

    /// <summary>It must not go; waiting would not change that (a new consent or inbound message would).</summary>
    Block,
}

/// <summary>The stable kebab-case codes recorded with a delayed or blocked message.</summary>
public static class PressureReasons
{
    public const string DoNotContact = "do-not-contact";
    public const string ChannelWithdrawn = "channel-withdrawn";
    public const string NoMarketingConsent = "no-marketing-consent";
    public const string WhatsAppWindow = "whatsapp-window";
    public const string QuietHours = "quiet-hours";
    public const string DailyCap = "daily-cap";
    public const string WeeklyCap = "weekly-cap";

    /// <summary>Every reason, in the order the rules are applied.</summary>
    public static readonly IReadOnlyList<string> All =
        [DoNotContact, ChannelWithdrawn, NoMarketingConsent, WhatsAppWindow, QuietHours, DailyCap, WeeklyCap];
}

/// <summary>Send, Delay until a time with a reason, or Block with a reason.</summary>
public sealed record PressureDecision(PressureOutcome Outcome, DateTimeOffset? Until, string? Reason)
{
    public static readonly PressureDecision Send = new(PressureOutcome.Send, null, null);

    public static PressureDecision Delay(DateTimeOffset until, string reason) => new(PressureOutcome.Delay, until, reason);

    public static PressureDecision Block(string reason) => new(PressureOutcome.Block, null, reason);
}
