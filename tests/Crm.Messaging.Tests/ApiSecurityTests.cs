using Crm.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Messaging.Tests;

/// <summary>
/// Every /api endpoint of Messaging × every kind of identity and role (see <see cref="ServiceSecurityMatrix"/>), and a
/// message about a rep's lead: another rep gets an empty list.
/// </summary>
public sealed class ApiSecurityTests(MessagingApiFactory factory, ITestOutputHelper output) : IClassFixture<MessagingApiFactory>
{
    [Fact]
    public async Task Only_a_gateway_signed_identity_with_the_endpoints_scope_passes()
    {
        var welcomed = await factory.WelcomedAsync("matrix-owner", "matrix-owner-team");
        var conversation = await ConversationOwnedByAsync(factory, welcomed.ContactId, "matrix-owner", "matrix-owner-team");

        // Unfiltered, the list is an export that needs messaging:admin (tested in MessagingApiTests).
        var lines = await ServiceSecurityMatrix.RunAsync(
            factory,
            new Dictionary<string, string>
            {
                ["GET /api/messaging/messages"] = "contactId=matrix",
                ["GET /api/messaging/journey-enrollments"] = "contactId=matrix",
            },
            owned:
            [
                new("GET /api/messaging/messages", $"/api/messaging/messages?leadId={welcomed.LeadId}", welcomed.RepId, welcomed.TeamId),
                new("GET /api/messaging/conversations/{id}", $"/api/messaging/conversations/{conversation}", "matrix-owner", "matrix-owner-team"),
                new("GET /api/messaging/conversations", $"/api/messaging/conversations?contactId={welcomed.ContactId}", "matrix-owner", "matrix-owner-team"),
            ],
            onlyForWhoSeesEverything: new HashSet<string>
            {
                "GET /api/messaging/journey-enrollments",
                // Configuration and bulk writes: reps and team leads hold messaging:write for their own work only.
                "POST /api/messaging/messages/batch",
                "PUT /api/messaging/journeys/{id}",
                "POST /api/messaging/journey-enrollments/{id}/stop",
            },
            closedToReps: new HashSet<string> { "PUT /api/messaging/conversations/{id}/owner" });

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    /// <summary>A conversation of the contact owned by the rep and team (stored as an inbound message would open it).</summary>
    internal static async Task<string> ConversationOwnedByAsync(MessagingApiFactory factory, string contactId, string rep, string team, string channel = "sms")
    {
        var now = DateTimeOffset.UtcNow;
        var conversation = new Crm.Messaging.Conversations.Conversation
        {
            Id = Crm.ServiceDefaults.Storage.Ids.New(),
            ContactId = contactId,
            Channel = channel,
            Status = "open",
            OwnerRepId = rep,
            OwnerTeamId = team,
            OpenedAt = now,
            LastActivityAt = now,
        };
        await factory.Store.CommitAsync(Crm.ServiceDefaults.Storage.Write.Insert(Crm.Messaging.Conversations.ConversationCollections.Conversations, conversation));
        return conversation.Id;
    }
}
