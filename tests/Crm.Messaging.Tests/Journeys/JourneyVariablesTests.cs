using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Messaging.Alerts;
using Crm.Messaging.Contacts;
using Crm.Messaging.Journeys;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Http;
using Xunit;

namespace Crm.Messaging.Tests.Journeys;

/// <summary>
/// The trigger event's lead, rep and order as template variables (pure), and every default journey's templates rendered
/// with the data of a real event of its trigger: nothing missing, the event's values in the text.
/// </summary>
public sealed class JourneyVariablesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    private static readonly ContactCard Ada = new("c-1", "Ada Lovelace", ["ada@example.com"]) { Phones = ["+4915112345678"], Locale = "en" };

    private static LeadAssigned Assigned(string? channel = "ads", string? source = "google-ads") => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = At, LeadId = "l-1", ContactId = "c-1", RepId = "rep-1", RepName = "Grace Hopper", TeamId = "north",
        Grade = "hot", Score = 57, Source = source, Channel = channel, Campaign = "spring-sale", Interest = "solar",
    };

    private static OrderPlaced Order() => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = At, OrderId = "o-1", ContactId = "c-1", Reference = "SHOP-100234", Amount = "129.90", Currency = "EUR", PlacedAt = At, Items = 2,
    };

    /// <summary>What the send path renders: the contact as Contacts answers, plus the variables the journey queued (with the rep directory's <paramref name="rep"/>).</summary>
    private static TemplateModel Model(object e, RepDirectoryEntry? rep = null)
    {
        var fact = JourneyEvents.FactsOf(e)[0];
        var model = TemplateModel.Of(Ada);
        var errors = new ValidationErrors();
        foreach (var (root, member, value) in TemplateEndpoints.ReadVariables(JourneyVariables.Of(e.GetType().Name, fact.Fields, rep), errors))
        {
            model.Set(root, member, value);
        }

        Assert.True(errors.IsEmpty, "every variable a journey gives is one the model has");
        return model;
    }

    [Fact]
    public void LeadAssigned_gives_the_lead_and_the_rep()
    {
        var model = Model(Assigned());

        Assert.Equal(
            ["l-1", "hot", 57m, "google-ads", "ads", "spring-sale", "solar", "rep-1", "Grace Hopper"],
            new[] { model.Get("lead", "id"), model.Get("lead", "grade"), model.Get("lead", "score"), model.Get("lead", "source"), model.Get("lead", "channel"), model.Get("lead", "campaign"), model.Get("lead", "interest"), model.Get("rep", "id"), model.Get("rep", "name") });
        Assert.Null(model.Get("rep", "email")); // not in the event: missing, so a template printing it is not sent
        Assert.Equal(("rep-1", "north"), JourneyVariables.OwnerOf(nameof(LeadAssigned), JourneyEvents.FactsOf(Assigned())[0].Fields));
    }

    [Fact]
    public void The_reps_email_and_phone_come_from_the_rep_directory_and_the_events_name_wins()
    {
        var grace = new RepDirectoryEntry { Id = "rep-1", Name = "G. Hopper", TeamId = "north", Email = "grace@crm.example.com", Phone = "+4930123456", RepVersion = 3 };

        var model = Model(Assigned(), grace);
        Assert.Equal(["rep-1", "Grace Hopper", "grace@crm.example.com", "+4930123456"], new[] { model.Get("rep", "id"), model.Get("rep", "name"), model.Get("rep", "email"), model.Get("rep", "phone") });

        // An interaction's lead owner is the rep; their name comes from the directory (the event has none).
        var interaction = new InteractionRecorded
        {
            EventId = Guid.NewGuid(), OccurredAt = At,
            Interactions = [new() { ContactId = "c-1", LeadId = "l-1", Type = "email-open", Count = 1, FirstAt = At, LastAt = At, OwnerId = "rep-1" }],
        };
        var fromInteraction = Model(interaction, grace);
        Assert.Equal(["rep-1", "G. Hopper", "grace@crm.example.com"], new[] { fromInteraction.Get("rep", "id"), fromInteraction.Get("rep", "name"), fromInteraction.Get("rep", "email") });

        // Another rep's entry, or an entry without addresses, adds nothing: the variables stay missing.
        Assert.Null(Model(Assigned(), grace with { Id = "rep-2" }).Get("rep", "email"));
        var bare = Model(Assigned(), grace with { Email = null, Phone = " " });
        Assert.Equal((null, null), (bare.Get("rep", "email"), bare.Get("rep", "phone")));
        Assert.Null(JourneyVariables.RepOf(nameof(OrderPlaced), JourneyEvents.FactsOf(Order())[0].Fields));
    }

    [Fact]
    public void OrderPlaced_gives_the_order_and_other_events_no_lead_or_order()
    {
        var model = Model(Order());
        Assert.Equal(["o-1", "SHOP-100234", "129.90", "EUR", 2m], new[] { model.Get("order", "id"), model.Get("order", "reference"), model.Get("order", "total"), model.Get("order", "currency"), model.Get("order", "items_count") });
        Assert.Equal((null, null), JourneyVariables.OwnerOf(nameof(OrderPlaced), JourneyEvents.FactsOf(Order())[0].Fields));

        var segment = new SegmentMembershipChanged { EventId = Guid.NewGuid(), OccurredAt = At, SegmentId = "inactive-60-days", SegmentVersion = 1, ContactId = "c-1", Joined = true };
        Assert.Empty(JourneyVariables.Of(nameof(SegmentMembershipChanged), JourneyEvents.FactsOf(segment)[0].Fields));
    }

    [Fact]
    public void A_template_printing_a_value_the_event_lacks_is_not_sent()
    {
        var template = DefaultTemplates.Find("follow-up-1", TemplateChannels.Email, "en")!;

        var withoutRep = TemplateRenderer.Render(template, TemplateModel.Of(Ada));

        Assert.Null(withoutRep.Message);
        Assert.Contains(withoutRep.Missing, m => m.Path == "rep.name");
    }

    public static TheoryData<string> Journeys() => [.. DefaultJourneys.All.Select(j => j.Id)];

    [Theory]
    [MemberData(nameof(Journeys))]
    public void Every_default_journeys_templates_render_with_a_real_event_of_its_trigger(string journeyId)
    {
        var journey = DefaultJourneys.Find(journeyId)!;
        object e = journey.TriggerEvent switch
        {
            nameof(LeadAssigned) => Assigned(),
            nameof(OrderPlaced) => Order(),
            nameof(SegmentMembershipChanged) => new SegmentMembershipChanged { EventId = Guid.NewGuid(), OccurredAt = At, SegmentId = DefaultJourneys.InactiveSegmentId, SegmentVersion = 1, ContactId = "c-1", Joined = true },
            nameof(InteractionRecorded) => new InteractionRecorded
            {
                EventId = Guid.NewGuid(), OccurredAt = At,
                Interactions = [new Interaction { LeadId = "l-1", ContactId = "c-1", Type = "cart-abandon", Count = 1, FirstAt = At, LastAt = At, OwnerId = "rep-1" }],
            },
            nameof(ContactUpdated) => new ContactUpdated { EventId = Guid.NewGuid(), OccurredAt = At, ContactId = "c-1", Version = 2, Birthday = new DateOnly(1990, 12, 10), ChangedFields = ["birthday"] },
            var other => throw new InvalidOperationException($"No sample event for {other}."),
        };
        var model = Model(e);

        var sends = journey.Steps.Where(s => s.Type == StepTypes.Send).SelectMany(s => new[] { (s.Template!, s.Channel!), (s.Template!, s.FallbackChannel) }).Where(t => t.Item2 is not null).ToList();
        Assert.NotEmpty(sends);
        foreach (var (key, channel) in sends)
        {
            var render = TemplateRenderer.Render(DefaultTemplates.Find(key, channel!, "en")!, model);
            Assert.True(render.Message is not null, $"{key} on {channel} lacks {string.Join(", ", render.Missing.Select(m => m.Path))}");
            var text = render.Message!.Subject + "\n" + render.Message.Body;
            Assert.DoesNotContain("{{", text, StringComparison.Ordinal);
            Assert.Contains(key.StartsWith("welcome", StringComparison.Ordinal) ? "Ada Lovelace" : "Ada", text, StringComparison.Ordinal);
            if (key.StartsWith("follow-up", StringComparison.Ordinal) || key.StartsWith("welcome", StringComparison.Ordinal))
            {
                Assert.Contains("Grace Hopper", text, StringComparison.Ordinal);
            }
        }

        if (journeyId == DefaultJourneys.PostPurchase)
        {
            var body = TemplateRenderer.Render(DefaultTemplates.Find("post-purchase", TemplateChannels.Email, "en")!, model).Message!.Body;
            Assert.True(body.Contains("SHOP-100234 (129.90 EUR)", StringComparison.Ordinal), body);
        }

        if (journeyId == DefaultJourneys.Welcome)
        {
            Assert.Contains("thank you for answering spring-sale", TemplateRenderer.Render(DefaultTemplates.Find(DefaultTemplates.WelcomeAds, TemplateChannels.Email, "en")!, model).Message!.Body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("ads", "google-ads", "welcome-ads")]
    [InlineData("web", "partner", "welcome-partner")]
    [InlineData("web", "referral", "welcome-partner")]
    [InlineData("ads", "partner", "welcome-ads")]
    [InlineData("web", "landing-page", "welcome")]
    [InlineData(null, null, "welcome")]
    public void The_welcome_journey_picks_a_template_by_the_leads_channel_and_source(string? channel, string? source, string template)
    {
        var step = JourneyRules.FirstSend(DefaultJourneys.Find(DefaultJourneys.Welcome)!, JourneyEvents.FactsOf(Assigned(channel, source))[0].Fields);

        Assert.Equal((template, "email"), (step?.Template, step?.Channel));
    }
}
