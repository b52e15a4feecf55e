using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Messaging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Messaging.Tests.Channels;

/// <summary>The sender's side of the consent fence with a fake clock: the hand-off ends before the hold could expire.</summary>
public sealed class ConsentFenceTests
{
    private static readonly Message Sms = new()
    {
        Id = "m-1",
        ContactId = "c-1",
        Channel = "sms",
        Template = "t",
        Purpose = "marketing",
        To = "+15550001111",
        Subject = "",
        Status = "sending",
        SentAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public async Task The_hand_off_is_cancelled_a_tenth_of_the_lease_before_the_hold_expires_and_the_hold_is_released()
    {
        var time = new FakeTimeProvider();
        var fence = new ScriptedFence(TimeSpan.FromSeconds(10));
        var handOff = await new ConsentFence(fence, time, NullLogger<ConsentFence>.Instance).BeginAsync(Sms, CancellationToken.None);
        var token = handOff.Token(CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(8.9));
        Assert.False(token.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(token.IsCancellationRequested);
        Assert.Equal(("c-1", "sms", "marketing", "m-1"), fence.Asked);

        await handOff.DisposeAsync();
        Assert.Equal(["h-1"], fence.Released);
    }

    [Fact]
    public async Task A_hold_granted_too_late_to_hand_over_within_it_is_released_and_the_send_retried()
    {
        var time = new FakeTimeProvider();
        var fence = new ScriptedFence(TimeSpan.FromSeconds(10), onBegin: () => time.Advance(TimeSpan.FromSeconds(9)));

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => new ConsentFence(fence, time, NullLogger<ConsentFence>.Instance).BeginAsync(Sms, CancellationToken.None));
        Assert.Equal(["h-1"], fence.Released);
    }

    [Fact]
    public async Task A_refusal_carries_Contacts_reason_and_releases_nothing()
    {
        var fence = new ScriptedFence(TimeSpan.Zero, refusal: "withdrawn");
        await using var handOff = await new ConsentFence(fence, new FakeTimeProvider(), NullLogger<ConsentFence>.Instance).BeginAsync(Sms, CancellationToken.None);

        Assert.Equal((false, "withdrawn"), (handOff.Allowed, handOff.Reason));
        Assert.True(handOff.Token(CancellationToken.None).IsCancellationRequested);
        Assert.Empty(fence.Released);
    }

    private sealed class ScriptedFence(TimeSpan lease, Action? onBegin = null, string? refusal = null) : ISendFence
    {
        public (string, string, string, string) Asked { get; private set; }

        public List<string> Released { get; } = [];

        public Task<SendHoldGrant> BeginSendAsync(string contactId, string channel, string purpose, string messageId, CancellationToken cancellationToken)
        {
            Asked = (contactId, channel, purpose, messageId);
            onBegin?.Invoke();
            return Task.FromResult(refusal is null ? new SendHoldGrant(true, null, "h-1", lease) : new SendHoldGrant(false, refusal, null, TimeSpan.Zero));
        }

        public Task EndSendAsync(string contactId, string holdId, CancellationToken cancellationToken)
        {
            Released.Add(holdId);
            return Task.CompletedTask;
        }
    }
}
