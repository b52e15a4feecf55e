namespace Crm.Leads.Leads;

/// <summary>What a capture does for a contact that already has an open lead in the same pipeline.</summary>
public enum RepeatCapture
{
    /// <summary>The capture becomes a <c>repeat-capture</c> signal on the open lead (answered 200 with it): never a silent duplicate.</summary>
    Signal,
    /// <summary>Every capture is a new lead (several open leads per contact).</summary>
    NewLead,
}

/// <summary>Config section <c>Leads</c>.</summary>
public sealed class LeadsOptions
{
    public const string Section = "Leads";

    /// <summary><c>Signal</c> (default): one open lead per contact and pipeline; <c>NewLead</c>: a lead per capture.</summary>
    public RepeatCapture RepeatCapture { get; set; } = RepeatCapture.Signal;

    /// <summary>
    /// How old a capture's reported <c>capturedAt</c> may be (default 90 days; an older one is a 400 naming the field).
    /// Checked at start: more than zero.
    /// </summary>
    public TimeSpan MaxCapturedAtAge { get; set; } = TimeSpan.FromDays(90);

    public bool IsValid => MaxCapturedAtAge > TimeSpan.Zero;

    public bool OneOpenPerContact => RepeatCapture == RepeatCapture.Signal;
}
