using Crm.Messaging.Conversations;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.Messaging.Webhooks;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>The Messaging store's collection and queries rendered for SQLite (with its plan) and MongoDB: see <c>queries.approved.md</c>.</summary>
public sealed class QueryCatalogTests
{
    private static readonly IReadOnlyList<IDocumentCollection> Collections = [MessageCollections.Messages, MessageCollections.ErasedContacts, TemplateCollections.Templates, ContactMergeLog.Collection, WebhookCollections.Subscriptions, WebhookCollections.Deliveries, Crm.Messaging.Channels.ContactChannelCollections.ContactChannels, Crm.Messaging.Pressure.PressureCollections.Ledgers, Crm.Messaging.Channels.AddressSuppressionCollections.SuppressedAddresses, ConversationCollections.Conversations, ConversationCollections.InboundReceipts, ConversationCollections.ContactOwners,
        Crm.Messaging.Journeys.JourneyCollections.Journeys, Crm.Messaging.Journeys.JourneyCollections.Versions, Crm.Messaging.Journeys.JourneyCollections.Enrollments];

    private static readonly IReadOnlyList<Type> Catalogs = [typeof(MessageQueries), typeof(TemplateQueries), typeof(WebhookQueries), typeof(ConversationQueries), typeof(Crm.Messaging.Journeys.JourneyQueries)];

    private static readonly Dictionary<Type, object> Samples = new()
    {
        [typeof(Message)] = new Message
        {
            Id = "message-1",
            ContactId = "contact-1",
            LeadId = "lead-1",
            Channel = "email",
            Template = "welcome",
            To = "ada@example.com",
            Subject = "Welcome, Ada!",
            Status = "sent",
            SentAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
        },
        [typeof(MessageTemplate)] = DefaultTemplates.All[0],
        [typeof(Conversation)] = new Conversation
        {
            Id = "conversation-1",
            ContactId = "contact-1",
            Channel = "sms",
            Status = "open",
            OpenedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
            LastActivityAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
        },
        [typeof(WebhookSubscription)] = new WebhookSubscription
        {
            Id = "subscription-1",
            Url = "https://partner.example.com/hook",
            EventTypes = ["lead.won"],
            Secret = "whsec_sample",
            Active = true,
            CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
            UpdatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
        },
        [typeof(WebhookDelivery)] = new WebhookDelivery
        {
            Id = "delivery-1",
            SubscriptionId = "subscription-1",
            EventType = "lead.won",
            EventId = "event-1",
            Payload = "{}",
            Status = "pending",
            CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
        },
        [typeof(Crm.Messaging.Journeys.Journey)] = Crm.Messaging.Journeys.DefaultJourneys.All[0],
        [typeof(Crm.Messaging.Journeys.JourneyEnrollment)] = new Crm.Messaging.Journeys.JourneyEnrollment
        {
            Id = "follow-up-ladder:contact-1:1",
            JourneyId = "follow-up-ladder",
            JourneyVersion = 0,
            ContactId = "contact-1",
            Entry = 1,
            Step = 1,
            Status = "active",
            EnteredAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
        },
    };

    [Fact]
    public Task Every_query_renders_on_both_backends() =>
        QueryCatalog.VerifyAsync("queries.approved.md", Collections, Catalogs, Samples);

    [Fact]
    public async Task Every_query_is_served_by_an_index_on_SQLite_and_the_claim_lookup_by_the_unique_dedupe_key()
    {
        var rendered = await QueryCatalog.RenderAsync(Collections, Catalogs, Samples);

        var plans = Plans(rendered);
        Assert.Equal(44, plans.Count);
        Assert.All(plans.Values, plan => Assert.True(plan.Contains("USING INDEX", StringComparison.Ordinal) && !plan.Contains("TEMP B-TREE", StringComparison.Ordinal), plan));
        Assert.Contains("USING INDEX ix_messages.dedupe (f_dedupeKey=?)", plans["OfDedupeKey"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.lead_sent (f_leadId=?)", plans["OfLeadAndTemplate"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.to_sent (f_to=?)", plans["LatestEmailTo"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.contact_sent (f_contactId=?)", plans["NewestOfContact"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.lead_sent (f_leadId=?", plans["NewestOfLead"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.sent", plans["NewestOfAll"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.contact_sent (f_contactId=?)", plans["NewestOfContactVisibleTo"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.contact_sent (f_contactId=?)", plans["NotErasedOfContact"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.contact_sent (f_contactId=?)", plans["OfContact"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.contact_sent (f_contactId=?)", plans["SuppressClaimsOfContact"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.contact_sent (f_contactId=?)", plans["MoveToSurvivor"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.contact_sent (f_contactId=?)", plans["MoveBack"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_templates.key_channel_locale (f_key=?)", plans["TemplateQueries.List"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_webhook_subscriptions.active_created (f_active=?)", plans["WebhookQueries.ActiveFor"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_webhook_subscriptions.created", plans["WebhookQueries.Newest"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_webhook_deliveries.subscription_created (f_subscriptionId=?)", plans["WebhookQueries.NewestOf"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_messages.provider_message (f_providerMessageId=?)", plans["OfProviderMessage"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_conversations.contact_channel (f_contactId=? AND f_channel=?)", plans["ConversationQueries.OfContactAndChannel"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_conversations.contact_opened (f_contactId=?)", plans["ConversationQueries.NewestOfContact"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_conversations.owner_opened (f_ownerRepId=?)", plans["ConversationQueries.NewestOfOwner"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_conversations.team_opened (f_ownerTeamId=?)", plans["ConversationQueries.NewestOfTeam"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_conversations.contact_opened (f_contactId=?)", plans["ConversationQueries.MoveToSurvivor"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_journeys.trigger_event (f_triggerEvent=?)", plans["JourneyQueries.TriggeredBy"], StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_journey_enrollments.contact_journey (f_contactId=? AND f_journeyId=?)", plans["JourneyQueries.OfContactInJourney"], StringComparison.Ordinal);
    }

    /// <summary>The SQLite plan of each catalog method, by method name.</summary>
    private static Dictionary<string, string> Plans(string rendered)
    {
        var plans = new Dictionary<string, string>(StringComparer.Ordinal);
        string? method = null;
        foreach (var line in rendered.Split('\n'))
        {
            if (line.StartsWith("### ", StringComparison.Ordinal) && line.Contains('(', StringComparison.Ordinal))
            {
                // MessageQueries' methods by name, the other catalogs' as Catalog.Method.
                method = line["### ".Length..line.IndexOf('(', StringComparison.Ordinal)];
                method = method.StartsWith("MessageQueries.", StringComparison.Ordinal) ? method["MessageQueries.".Length..] : method;
            }
            else if (line.StartsWith("SQLite plan:", StringComparison.Ordinal) && method is not null)
            {
                plans[method] = line;
            }
        }

        return plans;
    }
}
