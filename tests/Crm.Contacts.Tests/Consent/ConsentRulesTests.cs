using Crm.Contacts.Consent;
using Crm.Contracts.Audit;
using Xunit;

namespace Crm.Contacts.Tests.Consent;

/// <summary>The pure consent rules: applying changes, the conservative combine of a merge, and the send rule.</summary>
public sealed class ConsentRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor Key = new() { Kind = Actor.KeyKind, Id = "shop", Name = "shop" };

    private static ConsentLedgerEntry Channel(string contactId, string channel, string status, int minutes, string? legalBasis = "consent") => new()
    {
        Id = $"e-{channel}-{minutes}",
        ContactId = contactId,
        Channel = channel,
        Status = status,
        LegalBasis = legalBasis,
        Source = "web-form",
        WordingVersion = "v1",
        At = T0.AddMinutes(minutes),
        By = Key,
        EventId = Guid.NewGuid(),
    };

    private static ConsentLedgerEntry Flag(string contactId, bool active, int minutes) => new()
    {
        Id = $"e-dnc-{minutes}",
        ContactId = contactId,
        DoNotContact = active,
        Source = "phone",
        Reason = "asked",
        At = T0.AddMinutes(minutes),
        By = Key,
        EventId = Guid.NewGuid(),
    };

    private static ContactConsent State(string contactId, params ConsentLedgerEntry[] changes) =>
        changes.Aggregate(ContactConsent.Empty(contactId), ConsentRules.Apply);

    [Fact]
    public void A_grant_then_a_withdrawal_leaves_the_channel_withdrawn_and_other_channels_as_they_were()
    {
        var state = State("c1", Channel("c1", "sms", "granted", 0), Channel("c1", "email", "granted", 1), Channel("c1", "email", "withdrawn", 2, legalBasis: null));

        Assert.Equal(3, state.Version);
        Assert.Equal("withdrawn", state.StatusOf("email"));
        Assert.Equal("granted", state.StatusOf("sms"));
        Assert.Null(state.StatusOf("phone"));
        Assert.Equal(["email", "sms"], state.Channels.Select(c => c.Channel));
        Assert.Equal(T0.AddMinutes(2), state.UpdatedAt);
        Assert.False(state.IsDoNotContact);
    }

    [Fact]
    public void Do_not_contact_is_set_and_cleared_and_keeps_the_channels()
    {
        var set = State("c1", Channel("c1", "email", "granted", 0), Flag("c1", true, 1));
        var cleared = ConsentRules.Apply(set, Flag("c1", false, 2));

        Assert.True(set.IsDoNotContact);
        Assert.False(cleared.IsDoNotContact);
        Assert.Equal("granted", cleared.StatusOf("email"));
        Assert.Equal(T0.AddMinutes(2), cleared.DoNotContact!.At);
    }

    [Fact]
    public void A_change_of_another_contact_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ConsentRules.Apply(ContactConsent.Empty("c1"), Channel("c2", "email", "granted", 0)));
    }

    [Fact]
    public void Combine_a_withdrawal_wins_over_a_later_grant_on_either_side()
    {
        var survivor = State("s", Channel("s", "email", "granted", 10), Channel("s", "sms", "withdrawn", 0));
        var merged = State("m", Channel("m", "email", "withdrawn", 1), Channel("m", "sms", "granted", 20));

        var combined = ConsentRules.Combine(survivor, merged);

        Assert.Equal("s", combined.Id);
        Assert.Equal("withdrawn", combined.StatusOf("email"));
        Assert.Equal(T0.AddMinutes(1), combined.Channels.Single(c => c.Channel == "email").At);
        Assert.Equal("withdrawn", combined.StatusOf("sms"));
        Assert.Equal(survivor.Version + 1, combined.Version);
    }

    [Fact]
    public void Combine_a_grant_beats_unknown_and_of_two_the_later_is_kept()
    {
        var survivor = State("s", Channel("s", "email", "granted", 0), Channel("s", "phone", "granted", 5, legalBasis: "contract"));
        var merged = State("m", Channel("m", "whatsapp", "granted", 3), Channel("m", "phone", "granted", 9, legalBasis: "legitimate-interest"));

        var combined = ConsentRules.Combine(survivor, merged);

        Assert.Equal(["email", "whatsapp", "phone"], combined.Channels.Select(c => c.Channel));
        Assert.Equal("legitimate-interest", combined.Channels.Single(c => c.Channel == "phone").LegalBasis);
        Assert.Null(combined.StatusOf("sms"));
    }

    [Fact]
    public void Combine_do_not_contact_on_either_side_wins_even_when_the_other_cleared_it_later()
    {
        var survivor = State("s", Flag("s", true, 0), Flag("s", false, 30));
        var merged = State("m", Flag("m", true, 5));

        Assert.True(ConsentRules.Combine(survivor, merged).IsDoNotContact);
        Assert.True(ConsentRules.Combine(merged with { Id = "s" }, survivor with { Id = "m" }).IsDoNotContact);
        Assert.False(ConsentRules.Combine(survivor, ContactConsent.Empty("m")).IsDoNotContact);
        Assert.Null(ConsentRules.Combine(ContactConsent.Empty("s"), ContactConsent.Empty("m")).DoNotContact);
    }

    [Theory]
    // do-not-contact blocks everything
    [InlineData(true, "granted", "transactional", false, "do-not-contact")]
    [InlineData(true, null, "marketing", false, "do-not-contact")]
    // a withdrawn channel blocks every purpose
    [InlineData(false, "withdrawn", "transactional", false, "withdrawn")]
    [InlineData(false, "withdrawn", "marketing", false, "withdrawn")]
    // marketing needs a grant
    [InlineData(false, null, "marketing", false, "no-consent")]
    [InlineData(false, "granted", "marketing", true, null)]
    // a transactional message may go while unknown
    [InlineData(false, null, "transactional", true, null)]
    [InlineData(false, "granted", "transactional", true, null)]
    public void The_send_rule(bool doNotContact, string? status, string purpose, bool allowed, string? reason)
    {
        var decision = ConsentRules.MaySend(doNotContact, status, Enum.Parse<SendPurpose>(purpose, ignoreCase: true));

        Assert.Equal((allowed, reason), (decision.Allowed, decision.Reason));
    }

    [Fact]
    public void The_send_rule_on_a_stored_state_reads_the_channel_and_the_flag()
    {
        var state = State("c1", Channel("c1", "email", "withdrawn", 0, legalBasis: null), Channel("c1", "sms", "granted", 1));

        Assert.True(ConsentRules.MaySend(null, "email", SendPurpose.Transactional).Allowed);
        Assert.False(ConsentRules.MaySend(state, "email", SendPurpose.Transactional).Allowed);
        Assert.True(ConsentRules.MaySend(state, "sms", SendPurpose.Marketing).Allowed);
        Assert.False(ConsentRules.MaySend(ConsentRules.Apply(state, Flag("c1", true, 2)), "sms", SendPurpose.Marketing).Allowed);
    }
}
