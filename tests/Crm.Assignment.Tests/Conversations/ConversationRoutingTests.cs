using Crm.Assignment.Conversations;
using Crm.Assignment.Routing;
using Crm.Assignment.Tests.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Contracts.Messaging;
using System.Net.Http.Json;
using Crm.Testing;
using MassTransit.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Conversations;

/// <summary>Routing a conversation without a lead owner: the pure choice, and the round trip (asked, answered the same rep again).</summary>
public sealed class ConversationRoutingTests
{
    private static readonly DateTimeOffset Monday10 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_least_loaded_rep_at_work_is_chosen_preferring_the_channels_skill()
    {
        Assert.True(WorkingCalendar.TryCreate("UTC", [new WorkingShift(DayOfWeek.Monday, new TimeOnly(12, 0), new TimeOnly(18, 0))], [], out var afternoons, out _));
        var busy = new RoutingRep("a", 10, 8);
        var light = new RoutingRep("b", 10, 2);
        var lighter = new RoutingRep("c", 100, 1);
        var away = new RoutingRep("d", 10, 0) { Presence = Presence.Away };
        var inactive = new RoutingRep("e", 10, 0) { Active = false };
        var offShift = new RoutingRep("f", 10, 0) { Calendar = afternoons };
        var whatsapp = busy with { Skills = new Dictionary<string, int> { ["channel:whatsapp"] = 3 } };

        Assert.Equal("c", ConversationRouter.Choose([busy, light, lighter, away, inactive, offShift], "sms", Monday10)?.Id);
        Assert.Equal("f", ConversationRouter.Choose([busy, light, lighter, away, inactive, offShift], "sms", Monday10.AddHours(3))?.Id);
        Assert.Equal("a", ConversationRouter.Choose([whatsapp, light, lighter], "whatsapp", Monday10)?.Id);
        Assert.Equal("b", ConversationRouter.Choose([new RoutingRep("z", 10, 2), light], "sms", Monday10)?.Id);
        Assert.Null(ConversationRouter.Choose([away, inactive, offShift], "sms", Monday10));
    }

    [Fact]
    public async Task A_conversation_is_routed_to_an_available_rep_and_asked_again_gets_the_same_rep()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var nobody = Need("conv-0");
        await factory.Harness.Bus.Publish(nobody);
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<ConversationOwnerNeeded>(x => x.Context.Message.EventId == nobody.EventId).Any()), "the ConversationOwnerNeeded consumed");
        Assert.Empty(factory.Harness.Published.Select<ConversationRouted>(x => x.Context.Message.ConversationId == "conv-0"));

        var ann = await client.CreateRepAsync("Ann", 5);
        var need = Need("conv-1");
        await factory.Harness.Bus.Publish(need);
        var routed = await RoutedAsync(factory, "conv-1", 1);
        Assert.Equal((ann.Id, need.ContactId), (routed[0].RepId, routed[0].ContactId));

        // Ann away, Bob there: a new conversation goes to Bob, the one routed before stays Ann's.
        var bob = await client.CreateRepAsync("Bob", 5);
        using (var away = await client.PutAsJsonAsync($"/api/assignment/reps/{ann.Id}/presence", new SetPresenceRequest { Presence = Presence.Away }, Crm.Client.CrmClient.JsonOptions))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, away.StatusCode);
        }

        await factory.Harness.Bus.Publish(need with { EventId = Guid.NewGuid() });
        await factory.Harness.Bus.Publish(Need("conv-2"));
        var again = await RoutedAsync(factory, "conv-1", 2);
        Assert.Equal([ann.Id, ann.Id], again.Select(r => r.RepId));
        Assert.Equal(bob.Id, (await RoutedAsync(factory, "conv-2", 1))[0].RepId);
    }

    private static ConversationOwnerNeeded Need(string conversationId) => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ConversationId = conversationId, ContactId = $"c-{Guid.NewGuid():N}", Channel = "sms",
    };

    private static Task<List<ConversationRouted>> RoutedAsync(CrmServiceFactory<AssignmentEntryPoint> factory, string conversationId, int count) =>
        Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<ConversationRouted>(x => x.Context.Message.ConversationId == conversationId).Select(x => x.Context.Message).ToList() is { } l && l.Count == count ? l : null),
            $"{count} answer(s) for {conversationId}");
}
