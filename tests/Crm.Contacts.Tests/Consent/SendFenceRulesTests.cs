using Crm.Contacts.Consent;
using Crm.Contracts.Audit;
using Xunit;

namespace Crm.Contacts.Tests.Consent;

/// <summary>The send fence's rules, pure: holds granted and refused, closings, expiry, what a change closes.</summary>
public sealed class SendFenceRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly Actor Key = new() { Kind = Actor.KeyKind, Id = "shop", Name = "shop" };

    private static ContactConsent Granted(string channel) => new()
    {
        Id = "c-1",
        Channels = [new ChannelConsent { Channel = channel, Status = ConsentStatus.Granted, LegalBasis = "consent", Source = "web-form", At = T0, By = Key }],
    };

    [Fact]
    public void A_grant_adds_a_hold_for_the_lease_and_a_second_send_gets_its_own()
    {
        var (first, fence) = SendFenceRules.Grant(SendFence.Empty("c-1"), Granted("sms"), "sms", SendPurpose.Marketing, "m-1", "h-1", T0, Lease);
        var (second, next) = SendFenceRules.Grant(fence!, Granted("sms"), "sms", SendPurpose.Marketing, "m-2", "h-2", T0, Lease);

        Assert.True(first.Allowed);
        Assert.Equal(("h-1", "sms", "m-1", T0 + Lease), (first.Hold!.Id, first.Hold.Channel, first.Hold.MessageId, first.Hold.ExpiresAt));
        Assert.True(second.Allowed);
        Assert.Equal(["h-1", "h-2"], next!.Holds.Select(h => h.Id));
        Assert.Equal(2, next.Version);
    }

    [Theory]
    [InlineData(null, "marketing", "no-consent")]
    [InlineData("withdrawn", "transactional", "withdrawn")]
    [InlineData("granted", "dnc", "do-not-contact")]
    public void The_consent_rule_refuses_without_a_hold(string? status, string purpose, string reason)
    {
        var consent = purpose == "dnc"
            ? Granted("sms") with { DoNotContact = new DoNotContact { Active = true, Source = "api", At = T0, By = Key } }
            : status is null ? null : Granted("sms") with { Channels = [Granted("sms").Channels[0] with { Status = status }] };

        var (grant, next) = SendFenceRules.Grant(SendFence.Empty("c-1"), consent, "sms", purpose == "transactional" ? SendPurpose.Transactional : SendPurpose.Marketing, "m-1", "h-1", T0, Lease);

        Assert.Equal((false, reason), (grant.Allowed, grant.Reason));
        Assert.Null(grant.Hold);
        Assert.Null(next);
    }

    [Fact]
    public void While_a_closing_stands_no_hold_is_granted_on_its_channel_but_other_channels_go_and_after_it_expires_all_go()
    {
        var consent = Granted("sms") with { Channels = [.. Granted("sms").Channels, .. Granted("email").Channels] };
        var closed = SendFenceRules.Close(SendFence.Empty("c-1"), "x-1", "sms", T0, T0 + Lease);

        var sms = SendFenceRules.Grant(closed, consent, "sms", SendPurpose.Marketing, "m-1", "h-1", T0.AddSeconds(1), Lease).Grant;
        var email = SendFenceRules.Grant(closed, consent, "email", SendPurpose.Marketing, "m-2", "h-2", T0.AddSeconds(1), Lease).Grant;
        var later = SendFenceRules.Grant(closed, consent, "sms", SendPurpose.Marketing, "m-3", "h-3", T0 + Lease, Lease);

        Assert.Equal((false, SendGrant.Withdrawing), (sms.Allowed, sms.Reason));
        Assert.True(email.Allowed);
        Assert.True(later.Grant.Allowed);
        Assert.Empty(later.Next!.Closings);
    }

    [Fact]
    public void A_closing_of_every_channel_refuses_every_channel()
    {
        var closed = SendFenceRules.Close(SendFence.Empty("c-1"), "x-1", null, T0, T0 + Lease);

        Assert.All(ConsentChannels.All, channel =>
            Assert.Equal(SendGrant.Withdrawing, SendFenceRules.Grant(closed, null, channel, SendPurpose.Transactional, "m", "h", T0, Lease).Grant.Reason));
    }

    [Fact]
    public void A_closing_waits_for_unexpired_holds_of_its_channel_only()
    {
        var fence = SendFence.Empty("c-1") with
        {
            Holds =
            [
                new SendHold { Id = "h-sms", Channel = "sms", MessageId = "m-1", ExpiresAt = T0.AddSeconds(10) },
                new SendHold { Id = "h-email", Channel = "email", MessageId = "m-2", ExpiresAt = T0.AddSeconds(20) },
            ],
        };

        Assert.Equal(["h-sms"], SendFenceRules.Blocking(fence, "sms", T0).Select(h => h.Id));
        Assert.Equal(["h-sms", "h-email"], SendFenceRules.Blocking(fence, null, T0).Select(h => h.Id));
        Assert.Empty(SendFenceRules.Blocking(fence, "sms", T0.AddSeconds(10)));
        Assert.Empty(SendFenceRules.Blocking(null, "sms", T0));
    }

    [Fact]
    public void Release_and_open_are_idempotent_and_an_expired_closing_cannot_be_opened()
    {
        var (_, held) = SendFenceRules.Grant(SendFence.Empty("c-1"), null, "email", SendPurpose.Transactional, "m-1", "h-1", T0, Lease);
        var released = SendFenceRules.Release(held!, "h-1", T0.AddSeconds(1));
        var closed = SendFenceRules.Close(released!, "x-1", "email", T0, T0 + Lease);

        Assert.Empty(released!.Holds);
        Assert.Null(SendFenceRules.Release(released, "h-1", T0.AddSeconds(2)));
        Assert.Empty(SendFenceRules.Open(closed, "x-1", T0.AddSeconds(1))!.Closings);
        Assert.Null(SendFenceRules.Open(closed, "x-2", T0.AddSeconds(1)));
        Assert.Null(SendFenceRules.Open(closed, "x-1", T0 + Lease));
    }

    [Fact]
    public void Withdrawals_and_do_not_contact_close_the_fence_grants_and_clearing_do_not()
    {
        Assert.Equal((true, "sms"), SendFenceRules.ClosingOf([("sms", "withdrawn", null), ("email", "granted", null)]));
        Assert.Equal((true, (string?)null), SendFenceRules.ClosingOf([("sms", "withdrawn", null), ("email", "withdrawn", null)]));
        Assert.Equal((true, (string?)null), SendFenceRules.ClosingOf([(null, null, true)]));
        Assert.Equal((false, (string?)null), SendFenceRules.ClosingOf([("sms", "granted", null), (null, null, false)]));
    }

    [Fact]
    public void A_batch_of_one_contacts_sends_gets_a_hold_each_in_one_fence_at_one_version_and_a_refused_channel_none()
    {
        var (grants, next) = SendFenceRules.GrantAll(
            SendFence.Empty("c-1"),
            Granted("sms"),
            [("sms", SendPurpose.Marketing, "m-1", "h-1"), ("email", SendPurpose.Marketing, "m-2", "h-2"), ("sms", SendPurpose.Marketing, "m-3", "h-3")],
            T0,
            Lease);

        Assert.Equal([(true, null), (false, "no-consent"), (true, null)], grants.Select(g => (g.Allowed, g.Reason)));
        Assert.Equal(["h-1", "h-3"], next!.Holds.Select(h => h.Id));
        Assert.Equal(1, next.Version);
    }

    [Fact]
    public void A_closing_refuses_every_send_of_the_batch_and_nothing_is_saved()
    {
        var closed = SendFenceRules.Close(SendFence.Empty("c-1"), "w-1", "sms", T0, T0 + Lease);

        var (grants, next) = SendFenceRules.GrantAll(closed, Granted("sms"), [("sms", SendPurpose.Marketing, "m-1", "h-1"), ("sms", SendPurpose.Transactional, "m-2", "h-2")], T0, Lease);

        Assert.All(grants, g => Assert.Equal((false, "withdrawing"), (g.Allowed, g.Reason)));
        Assert.Null(next);
    }

    [Fact]
    public void Releasing_a_batch_drops_its_holds_and_keeps_the_others()
    {
        var (_, fence) = SendFenceRules.GrantAll(SendFence.Empty("c-1"), Granted("sms"), [("sms", SendPurpose.Marketing, "m-1", "h-1"), ("sms", SendPurpose.Marketing, "m-2", "h-2"), ("sms", SendPurpose.Marketing, "m-3", "h-3")], T0, Lease);

        var next = SendFenceRules.ReleaseAll(fence!, new HashSet<string> { "h-1", "h-3", "h-9" }, T0);

        Assert.Equal(["h-2"], next!.Holds.Select(h => h.Id));
        Assert.Equal(fence!.Version + 1, next.Version);
        Assert.Null(SendFenceRules.ReleaseAll(next, new HashSet<string> { "h-1" }, T0));
    }
}
