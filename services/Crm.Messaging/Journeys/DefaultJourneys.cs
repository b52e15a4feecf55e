using Crm.Contracts.Api.Messaging;

namespace Crm.Messaging.Journeys;

/// <summary>
/// The journeys the platform ships (version 0), used until a stored journey of the same id replaces them
/// (<c>PUT /api/messaging/journeys/{id}</c>, <c>If-Match: 0</c>). Their templates are in <see cref="Templates.DefaultTemplates"/>.
/// </summary>
public static class DefaultJourneys
{
    public const string FollowUpLadder = "follow-up-ladder";
    public const string Reactivation = "reactivation";
    public const string AbandonedCart = "abandoned-cart";
    public const string PostPurchase = "post-purchase";
    public const string Birthday = "birthday";
    /// <summary>
    /// The welcome of an assigned lead: run at once by <c>Welcome/SendWelcomeOnLeadAssigned</c> (not by the step timers),
    /// one message per lead (dedupe key <c>welcome:{leadId}</c>): the first send step its branches reach.
    /// </summary>
    public const string Welcome = "welcome";

    /// <summary>The segment the reactivation journey listens to by default (edit the journey's condition to use another).</summary>
    public const string InactiveSegmentId = "inactive-60-days";

    private static JourneyStepDocument Wait(string duration) => new() { Type = StepTypes.Wait, Duration = duration };

    private static JourneyStepDocument Send(string template, string channel, string? fallback) =>
        new() { Type = StepTypes.Send, Template = template, Channel = channel, FallbackChannel = fallback };

    private static JourneyConditionDocument Eq(string field, params string[] values) => new() { Field = field, Op = "eq", Values = values };

    private static JourneyStepDocument Branch(JourneyConditionDocument condition, int goTo) => new() { Type = StepTypes.Branch, If = condition, GoTo = goTo };

    public static readonly IReadOnlyList<Journey> All =
    [
        Default(FollowUpLadder, "Follow-up ladder: day 1 e-mail, day 3 SMS, day 7 WhatsApp", nameof(Crm.Contracts.Assignment.LeadAssigned), [],
            [Wait("1.00:00:00"), Send("follow-up-1", "email", "sms"), Wait("2.00:00:00"), Send("follow-up-2", "sms", "email"), Wait("4.00:00:00"), Send("follow-up-3", "whatsapp", "sms")],
            [JourneyStops.Replied, JourneyStops.Won, JourneyStops.Lost, JourneyStops.ConsentWithdrawn], JourneyReentry.After, 30),
        Default(Reactivation, "Reactivation of contacts inactive for 60 days", nameof(Crm.Contracts.Contacts.SegmentMembershipChanged),
            [Eq("segmentId", InactiveSegmentId), Eq("joined", "true")],
            [Send("reactivation", "email", "sms")],
            [JourneyStops.ConsentWithdrawn, JourneyStops.Ordered, JourneyStops.Replied], JourneyReentry.After, 60),
        Default(AbandonedCart, "Abandoned cart: no order within an hour of a cart signal", nameof(Crm.Contracts.Leads.InteractionRecorded),
            [Eq("type", "cart-add", "cart-abandon")],
            [Wait("01:00:00"), Send("abandoned-cart", "email", "sms")],
            [JourneyStops.Ordered, JourneyStops.ConsentWithdrawn, JourneyStops.Replied], JourneyReentry.After, 1),
        Default(PostPurchase, "Post-purchase: three days after an order", nameof(Crm.Contracts.Contacts.OrderPlaced), [],
            [Wait("3.00:00:00"), Send("post-purchase", "email", null)],
            [JourneyStops.ConsentWithdrawn], JourneyReentry.Always, null),
        Default(Birthday, "Birthday greeting at 09:00 in the contact's zone, every year", nameof(Crm.Contracts.Contacts.ContactUpdated),
            [new() { Field = "birthday", Op = "exists" }],
            [new() { Type = StepTypes.WaitUntil, TimeOfDay = "09:00", OnBirthday = true }, Send("birthday", "email", "sms"), new() { Type = StepTypes.Branch, GoTo = 0 }],
            [JourneyStops.ConsentWithdrawn], JourneyReentry.Always, null),
        Default(Welcome, "Welcome e-mail when a lead is assigned: a template per capture channel / source, else the general one", nameof(Crm.Contracts.Assignment.LeadAssigned), [],
            [Branch(Eq("channel", "ads"), 3), Branch(Eq("source", "partner", "referral"), 4), Send(Templates.DefaultTemplates.Welcome, "email", null),
             Send(Templates.DefaultTemplates.WelcomeAds, "email", null), Send(Templates.DefaultTemplates.WelcomePartner, "email", null)],
            [], JourneyReentry.Always, null),
    ];

    public static Journey? Find(string id) => All.FirstOrDefault(j => j.Id == id);

    private static Journey Default(
        string id, string name, string trigger, IReadOnlyList<JourneyConditionDocument> conditions, IReadOnlyList<JourneyStepDocument> steps,
        IReadOnlyList<string> stopOn, string reentry, int? afterDays) => new()
        {
            Id = id,
            JourneyId = id,
            Name = name,
            TriggerEvent = trigger,
            Conditions = conditions,
            Steps = steps,
            StopOn = stopOn,
            Reentry = reentry,
            ReentryAfterDays = afterDays,
            Version = 0,
        };
}
