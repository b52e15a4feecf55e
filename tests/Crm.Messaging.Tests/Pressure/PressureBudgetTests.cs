using Crm.Contacts.Consent;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.Messaging.Pressure;
using Xunit;

namespace Crm.Messaging.Tests.Pressure;

/// <summary>The budget of a batch (pure): several messages of one contact in one batch count each other; one ledger per contact changes once.</summary>
public sealed class PressureBudgetTests
{
    private static readonly DateTimeOffset Noon = new(2026, 6, 10, 12, 0, 0, TimeSpan.Zero);

    private static readonly ContactCard Ada = new("c-ada", "Ada", ["ada@example.com"]) { Consents = new Dictionary<string, string> { ["email"] = ConsentStatus.Granted, ["sms"] = ConsentStatus.Granted }, TimeZone = "UTC" };

    private static readonly ContactCard Bob = Ada with { Id = "c-bob" };

    private static PressureQuestion Marketing(ContactCard contact, string messageId, string channel = "sms") => new(messageId, contact, channel, SendPurpose.Marketing, null, false);

    private static PressureQuestion Transactional(ContactCard contact, string messageId) => new(messageId, contact, "sms", SendPurpose.Transactional, null, false);

    private static PressureLedger Ledger(ContactCard contact, long version, params (string MessageId, DateTimeOffset At)[] sends) =>
        new() { Id = contact.Id, Version = version, Sends = [.. sends.Select(s => new PressureSend { MessageId = s.MessageId, At = s.At })] };

    [Fact]
    public void Five_marketing_messages_of_one_contact_in_one_batch_take_the_three_daily_places_and_the_rest_wait_for_the_first_to_leave_the_window()
    {
        var (decisions, changed) = PressureBudget.DecideAll(
            [Marketing(Ada, "m-1"), Marketing(Ada, "m-2", "email"), Marketing(Ada, "m-3"), Marketing(Ada, "m-4", "email"), Marketing(Ada, "m-5")],
            new Dictionary<string, PressureLedger>(),
            Noon,
            new PressurePolicy { QuietHoursStart = default, QuietHoursEnd = default });

        Assert.Equal([PressureOutcome.Send, PressureOutcome.Send, PressureOutcome.Send], decisions.Take(3).Select(d => d.Outcome));
        Assert.All(decisions.Skip(3), d => Assert.Equal(PressureDecision.Delay(Noon.AddDays(1), PressureReasons.DailyCap), d));
        var ledger = Assert.Single(changed);
        Assert.Equal(("c-ada", 1L), (ledger.Id, ledger.Version));
        Assert.Equal(["m-1", "m-2", "m-3"], ledger.Sends.Select(s => s.MessageId).Order());
    }

    [Fact]
    public void Places_already_taken_count_and_each_contact_is_decided_on_its_own_ledger_once()
    {
        var ledgers = new Dictionary<string, PressureLedger>
        {
            ["c-ada"] = Ledger(Ada, 7, ("old-1", Noon.AddHours(-2)), ("old-2", Noon.AddHours(-1))),
        };

        var (decisions, changed) = PressureBudget.DecideAll(
            [Marketing(Ada, "m-1"), Marketing(Bob, "m-2"), Marketing(Ada, "m-3"), Marketing(Bob, "m-4")],
            ledgers,
            Noon,
            new PressurePolicy { QuietHoursStart = default, QuietHoursEnd = default });

        Assert.Equal(
            [PressureOutcome.Send, PressureOutcome.Send, PressureOutcome.Delay, PressureOutcome.Send],
            decisions.Select(d => d.Outcome));
        Assert.Equal(Noon.AddHours(22), decisions[2].Until); // the oldest of Ada's three places leaves the 24 hours
        Assert.Equal([("c-ada", 8L, 3), ("c-bob", 1L, 2)], changed.Select(l => (l.Id, l.Version, l.Sends.Count)));
    }

    [Fact]
    public void A_transactional_message_passes_a_full_cap_and_takes_a_place_and_a_retry_renews_its_own_place_instead_of_counting_it()
    {
        var ledgers = new Dictionary<string, PressureLedger>
        {
            ["c-ada"] = Ledger(Ada, 2, ("m-1", Noon.AddHours(-3)), ("old-2", Noon.AddHours(-2)), ("old-3", Noon.AddHours(-1))),
        };

        var (decisions, changed) = PressureBudget.DecideAll(
            [Marketing(Ada, "m-1"), Transactional(Ada, "m-2"), Marketing(Ada, "m-3")],
            ledgers,
            Noon,
            new PressurePolicy { QuietHoursStart = default, QuietHoursEnd = default });

        Assert.Equal([PressureOutcome.Send, PressureOutcome.Send, PressureOutcome.Delay], decisions.Select(d => d.Outcome));
        var ledger = Assert.Single(changed);
        Assert.Equal(3L, ledger.Version);
        Assert.Equal([("m-1", Noon), ("m-2", Noon), ("old-3", Noon.AddHours(-1)), ("old-2", Noon.AddHours(-2))], ledger.Sends.Select(s => (s.MessageId, s.At)).OrderByDescending(s => s.At).ThenBy(s => s.MessageId));
    }

    [Fact]
    public void A_batch_where_nothing_may_go_changes_no_ledger()
    {
        var blocked = Ada with { Consents = new Dictionary<string, string> { ["sms"] = ConsentStatus.Withdrawn } };

        var (decisions, changed) = PressureBudget.DecideAll([Marketing(blocked, "m-1"), Transactional(blocked, "m-2")], new Dictionary<string, PressureLedger>(), Noon, new PressurePolicy());

        Assert.All(decisions, d => Assert.Equal(PressureDecision.Block(PressureReasons.ChannelWithdrawn), d));
        Assert.Empty(changed);
    }
}
