namespace Crm.Messaging.Pressure;

/// <summary>
/// What the contact was already sent, filled by the caller: the times (<c>sentAt</c>) of the contact's messages with
/// status <c>sent</c>, on every channel and of both purposes, newest first, of the last 7 days — at least the newest
/// <see cref="PressurePolicy.WeeklyCap"/> (and <see cref="PressurePolicy.DailyCap"/>) of them; older or further ones
/// change nothing. From these times the rules count each rolling window and tell when it has room again (the
/// cap-th newest send leaves it), which counts alone could not. One indexed read: <c>contact_sent</c>
/// (<c>contactId, sentAt desc</c>) with a limit of the larger cap.
/// </summary>
internal sealed record PressureCounts(IReadOnlyList<DateTimeOffset> SentAt)
{
    /// <summary>Nothing sent.</summary>
    public static readonly PressureCounts None = new([]);

    /// <summary>How many of the sends are after <paramref name="since"/> (a send exactly at it is out of the window).</summary>
    public int SentAfter(DateTimeOffset since) => SentAt.Count(s => s > since);
}
