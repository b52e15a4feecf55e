using Crm.Contacts.Consent;

namespace Crm.Messaging.Pressure;

/// <summary>
/// Contact pressure, decided at send time for every message (pure: no I/O, no clock of its own). The rules, in order;
/// the first that refuses gives the reason:
/// <list type="number">
/// <item>consent (<see cref="ConsentRules.MaySend"/>, the rule Contacts owns): do-not-contact, a withdrawn channel,
/// marketing without the channel granted → <b>Block</b>;</item>
/// <item>WhatsApp: a message that is not an approved template, with no inbound WhatsApp message from the contact in
/// the last <see cref="PressurePolicy.WhatsAppWindow"/> → <b>Block</b> (<c>whatsapp-window</c>);</item>
/// <item>quiet hours in the contact's zone → <b>Delay</b> until they end (transactional messages only when
/// <see cref="PressurePolicy.TransactionalRespectsQuietHours"/>);</item>
/// <item>the daily, then the weekly cap, over every channel, in rolling windows (the last 24 hours, the last 7 days:
/// no reset at a local midnight, nothing to go wrong across a DST change) → <b>Delay</b> until the window has room
/// (marketing only: a transactional message is never held by a cap, though it counts towards it).</item>
/// </list>
/// A delay's time is when every waiting rule lets the message go (a cap's room that falls in quiet hours waits for
/// their end); its reason is the first rule that holds it now. A delayed message is decided again when its time
/// comes: consent, counts and the WhatsApp window may have changed meanwhile.
/// </summary>
internal static class ContactPressure
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    /// <summary>Rule 1 alone (<see cref="ConsentRules.MaySend"/>): the reason the message must not go, or null when consent allows it.</summary>
    public static string? ConsentRefusal(bool doNotContact, string? channelConsent, SendPurpose purpose)
    {
        var consent = ConsentRules.MaySend(doNotContact, channelConsent, purpose);
        return consent.Allowed ? null
            : consent == SendDecision.DoNotContact ? PressureReasons.DoNotContact
            : consent == SendDecision.Withdrawn ? PressureReasons.ChannelWithdrawn
            : PressureReasons.NoMarketingConsent;
    }

    public static PressureDecision Decide(PressureRequest request)
    {
        if (ConsentRefusal(request.DoNotContact, request.ChannelConsent, request.Purpose) is { } refused)
        {
            return PressureDecision.Block(refused);
        }

        var policy = request.Policy;
        if (string.Equals(request.Channel, ConsentChannels.Whatsapp, StringComparison.Ordinal) && !request.ApprovedTemplate
            && !(request.LastInboundWhatsApp is { } inbound && request.Now < inbound + policy.WhatsAppWindow))
        {
            return PressureDecision.Block(PressureReasons.WhatsAppWindow);
        }

        var zone = PressureZones.Resolve(request.TimeZone, policy.DefaultTimeZone);
        var marketing = request.Purpose == SendPurpose.Marketing;
        var quietHours = policy.HasQuietHours && (marketing || policy.TransactionalRespectsQuietHours);

        string? reason = null;
        var at = request.Now;

        // Each hold moves the time forward (to the end of the quiet hours, or to when a cap's window has room); a
        // handful of rounds settle it. Should they not, the delay is still a lower bound, decided again when it comes.
        for (var round = 0; round < 16; round++)
        {
            var hold = Hold(at);
            if (hold is null)
            {
                break;
            }

            reason ??= hold.Value.Reason;
            at = hold.Value.Until;
        }

        return reason is null ? PressureDecision.Send : PressureDecision.Delay(at, reason);

        (string Reason, DateTimeOffset Until)? Hold(DateTimeOffset at)
        {
            if (quietHours && PressureZones.IsWithin(at, zone, policy.QuietHoursStart, policy.QuietHoursEnd))
            {
                return (PressureReasons.QuietHours, PressureZones.Next(at, zone, policy.QuietHoursEnd));
            }

            if (!marketing)
            {
                return null;
            }

            if (Full(at, policy.DailyCap, Day) is { } dayRoom)
            {
                return (PressureReasons.DailyCap, dayRoom);
            }

            return Full(at, policy.WeeklyCap, Week) is { } weekRoom ? (PressureReasons.WeeklyCap, weekRoom) : null;
        }

        // Null when the window ending at `at` has room; else when it will: the cap-th newest send leaves it.
        DateTimeOffset? Full(DateTimeOffset at, int cap, TimeSpan window)
        {
            if (cap <= 0 || request.Sent.SentAfter(at - window) < cap)
            {
                return null;
            }

            return request.Sent.SentAt.Where(s => s > at - window).OrderByDescending(s => s).ElementAt(cap - 1) + window;
        }
    }
}
