using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Messaging.Channels;
using Crm.Messaging.Contacts;
using Crm.Messaging.Conversations;
using Crm.Messaging.Journeys;
using Crm.Messaging.Messages;
using Crm.Messaging.Pressure;
using Crm.Messaging.Tests.Journeys;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Messaging.Tests.Contacts;

/// <summary>
/// Merges move everything Messaging keeps per contact to the survivor — one budget (the sends of both), the later owner,
/// the later inbound times, one running enrollment per journey — and applied again change nothing; an erasure deletes
/// those documents. The rules are pure (<see cref="ContactMerges"/>); the rest end to end on the fake clock.
/// </summary>
public sealed class ContactMergeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly PressurePolicy Policy = new();

    private static PressureSend Send(string id, TimeSpan ago, DateTimeOffset? now = null) => new() { MessageId = id, At = (now ?? Now) - ago };

    [Fact]
    public void The_survivors_budget_holds_both_peoples_sends_of_the_period_each_once()
    {
        var survivor = new[] { Send("m1", TimeSpan.FromHours(1)), Send("m2", TimeSpan.FromDays(2)) };
        var merged = new[] { Send("m3", TimeSpan.FromHours(3)), Send("m1", TimeSpan.FromHours(1)), Send("m4", TimeSpan.FromDays(8)) };

        var budget = ContactMerges.Budget(survivor, merged, Now, Policy);

        Assert.Equal(["m1", "m3", "m2"], budget.Select(s => s.MessageId));
        Assert.Equal(budget, ContactMerges.Budget(budget, merged, Now, Policy)); // applied again: the same
        Assert.Equal(["m2"], ContactMerges.BudgetWithout(budget, merged).Select(s => s.MessageId));
    }

    [Fact]
    public void The_budget_keeps_at_most_the_larger_cap_newest_first()
    {
        var survivor = Enumerable.Range(0, 8).Select(i => Send($"s{i}", TimeSpan.FromHours(i * 2 + 1)));
        var merged = Enumerable.Range(0, 8).Select(i => Send($"m{i}", TimeSpan.FromHours(i * 2 + 2)));

        var budget = ContactMerges.Budget(survivor, merged, Now, Policy);

        Assert.Equal(Policy.WeeklyCap, budget.Count);
        Assert.Equal(["s0", "m0", "s1", "m1"], budget.Take(4).Select(s => s.MessageId));
    }

    [Fact]
    public void The_later_owner_and_the_later_inbound_time_per_channel_win()
    {
        var older = new ContactOwner { Id = "s", RepId = "rep-old", LeadId = "l-1", AssignedAt = Now.AddDays(-2) };
        var newer = new ContactOwner { Id = "m", RepId = "rep-new", LeadId = "l-2", AssignedAt = Now.AddDays(-1) };

        Assert.Same(newer, ContactMerges.Owner(older, newer));
        Assert.Same(newer, ContactMerges.Owner(newer, older));
        Assert.Same(older, ContactMerges.Owner(older, null));
        Assert.Same(newer, ContactMerges.Owner(null, newer));
        Assert.Null(ContactMerges.Owner(null, null));

        var times = ContactMerges.LastInbound(
            new Dictionary<string, DateTimeOffset> { ["sms"] = Now.AddHours(-1), ["email"] = Now.AddDays(-3) },
            new Dictionary<string, DateTimeOffset> { ["email"] = Now.AddDays(-1), ["whatsapp"] = Now.AddHours(-2), ["sms"] = Now.AddHours(-5) });
        Assert.Equal(
            [("email", Now.AddDays(-1)), ("sms", Now.AddHours(-1)), ("whatsapp", Now.AddHours(-2))],
            times.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (t.Key, t.Value)));
    }

    [Fact]
    public void Of_two_running_enrollments_of_a_journey_the_less_advanced_stops()
    {
        JourneyEnrollment Enrollment(string id, string journey, int step, int messages, string status = EnrollmentStatus.Active) => new()
        {
            Id = id, JourneyId = journey, JourneyVersion = 0, ContactId = "c", Entry = 1, Step = step, Status = status, EnteredAt = Now,
            MessageIds = [.. Enumerable.Range(0, messages).Select(i => $"{id}-m{i}")],
        };

        var redundant = ContactMerges.Redundant(
        [
            Enrollment("ladder-a", "follow-up-ladder", 2, 1),
            Enrollment("ladder-b", "follow-up-ladder", 4, 2),
            Enrollment("ladder-c", "follow-up-ladder", 4, 1),
            Enrollment("birthday-a", "birthday", 1, 0),
            Enrollment("post-a", "post-purchase", 1, 0, EnrollmentStatus.Completed),
            Enrollment("post-b", "post-purchase", 1, 0),
        ]);

        Assert.Equal(["ladder-a", "ladder-c"], redundant.Select(e => e.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_merge_gives_the_survivor_one_budget_the_later_owner_and_inbound_times_and_applied_again_changes_nothing()
    {
        await using var factory = new JourneyFactory();
        var now = factory.Time.GetUtcNow();
        var survivor = factory.NewContact();
        var merged = factory.NewContact();
        await factory.Store.CommitAsync(
        [
            Write.Insert(PressureCollections.Ledgers, new PressureLedger { Id = survivor.Id, Sends = [Send("s-1", TimeSpan.FromHours(2), now)] }),
            Write.Insert(PressureCollections.Ledgers, new PressureLedger { Id = merged.Id, Sends = [Send("m-1", TimeSpan.FromHours(1), now), Send("m-2", TimeSpan.FromHours(5), now)] }),
            Write.Insert(ConversationCollections.ContactOwners, new ContactOwner { Id = survivor.Id, RepId = "rep-old", LeadId = "l-old", AssignedAt = now.AddDays(-3) }),
            Write.Insert(ConversationCollections.ContactOwners, new ContactOwner { Id = merged.Id, RepId = "rep-new", TeamId = "north", LeadId = "l-new", AssignedAt = now.AddDays(-1) }),
            Write.Insert(ContactChannelCollections.ContactChannels, new ContactChannel { Id = merged.Id, LastInboundAt = new(StringComparer.Ordinal) { ["whatsapp"] = now.AddHours(-3) } }),
        ]);
        var merge = new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = now, MergeId = Ids.New(), SurvivorId = survivor.Id, MergedIds = [merged.Id] };

        await PublishAsync(factory, merge, "messaging-contacts-merged");

        var ledger = (await factory.Store.GetAsync(PressureCollections.Ledgers, survivor.Id))!;
        Assert.Equal(["m-1", "s-1", "m-2"], ledger.Sends.Select(s => s.MessageId));
        var owner = (await factory.Store.GetAsync(ConversationCollections.ContactOwners, survivor.Id))!;
        Assert.Equal(("rep-new", "north", "l-new"), (owner.RepId, owner.TeamId, owner.LeadId));
        var channels = (await factory.Store.GetAsync(ContactChannelCollections.ContactChannels, survivor.Id))!;
        Assert.Equal(now.AddHours(-3), channels.LastInboundAt["whatsapp"]);

        // The same merge again (a redelivery under a new message id): nothing written twice.
        await PublishAsync(factory, merge, "messaging-contacts-merged");
        var again = (await factory.Store.GetAsync(PressureCollections.Ledgers, survivor.Id))!;
        Assert.Equal(ledger.Version, again.Version);
        Assert.Equal(ledger.Sends, again.Sends);
        Assert.Equal(owner.Version, (await factory.Store.GetAsync(ConversationCollections.ContactOwners, survivor.Id))!.Version);
        Assert.Equal(channels.Version, (await factory.Store.GetAsync(ContactChannelCollections.ContactChannels, survivor.Id))!.Version);

        // An un-merge takes the restored person's sends out of the survivor's budget.
        await PublishAsync(factory, new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = now, MergeId = merge.MergeId!, SurvivorId = survivor.Id, RestoredIds = [merged.Id] }, "messaging-contacts-unmerged");
        Assert.Equal(["s-1"], (await factory.Store.GetAsync(PressureCollections.Ledgers, survivor.Id))!.Sends.Select(s => s.MessageId));
        Assert.Equal(2, (await factory.Store.GetAsync(PressureCollections.Ledgers, merged.Id))!.Sends.Count);
    }

    [Fact]
    public async Task Two_contacts_merged_at_once_both_join_the_survivors_budget_and_the_latest_owner_wins()
    {
        await using var factory = new JourneyFactory();
        var now = factory.Time.GetUtcNow();
        var (survivor, first, second) = (factory.NewContact(), factory.NewContact(), factory.NewContact());
        await factory.Store.CommitAsync(
        [
            Write.Insert(PressureCollections.Ledgers, new PressureLedger { Id = survivor.Id, Sends = [Send("s-1", TimeSpan.FromHours(1), now)] }),
            Write.Insert(PressureCollections.Ledgers, new PressureLedger { Id = first.Id, Sends = [Send("a-1", TimeSpan.FromHours(2), now)] }),
            Write.Insert(PressureCollections.Ledgers, new PressureLedger { Id = second.Id, Sends = [Send("b-1", TimeSpan.FromHours(3), now)] }),
            Write.Insert(ConversationCollections.ContactOwners, new ContactOwner { Id = first.Id, RepId = "rep-a", LeadId = "l-a", AssignedAt = now.AddDays(-2) }),
            Write.Insert(ConversationCollections.ContactOwners, new ContactOwner { Id = second.Id, RepId = "rep-b", LeadId = "l-b", AssignedAt = now.AddDays(-1) }),
        ]);

        await PublishAsync(factory, new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = now, MergeId = Ids.New(), SurvivorId = survivor.Id, MergedIds = [first.Id, second.Id] }, "messaging-contacts-merged");

        Assert.Equal(["s-1", "a-1", "b-1"], (await factory.Store.GetAsync(PressureCollections.Ledgers, survivor.Id))!.Sends.Select(s => s.MessageId));
        Assert.Equal("rep-b", (await factory.Store.GetAsync(ConversationCollections.ContactOwners, survivor.Id))!.RepId);
    }

    [Fact]
    public async Task A_merge_retried_in_the_same_scope_after_its_writes_were_discarded_writes_them_again()
    {
        await using var factory = new JourneyFactory();
        var now = factory.Time.GetUtcNow();
        var (survivor, merged) = (factory.NewContact(), factory.NewContact());
        await factory.Store.CommitAsync(Write.Insert(PressureCollections.Ledgers, new PressureLedger { Id = merged.Id, Sends = [Send("m-1", TimeSpan.FromHours(1), now)] }));
        using var scope = factory.Services.CreateScope();
        var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        var rekeyer = scope.ServiceProvider.GetRequiredService<IContactRekeyer>();
        var mergeId = Ids.New();

        await rekeyer.MergeAsync(unit, mergeId, survivor.Id, merged.Id, CancellationToken.None);
        unit.Discard(); // the consume pipeline's retry of the same message in the same scope
        await rekeyer.MergeAsync(unit, mergeId, survivor.Id, merged.Id, CancellationToken.None);
        await unit.CommitAsync();

        Assert.Equal(["m-1"], (await factory.Store.GetAsync(PressureCollections.Ledgers, survivor.Id))!.Sends.Select(s => s.MessageId));
    }

    [Fact]
    public async Task After_a_merge_one_ladder_runs_for_the_survivor_the_most_advanced_and_no_message_goes_twice()
    {
        await using var factory = new JourneyFactory();
        var survivor = factory.NewContact();
        var merged = factory.NewContact();
        await factory.PublishAsync(Assigned(merged.Id));
        await factory.RunTimersAsync();
        await factory.AdvanceAsync(TimeSpan.FromDays(1)); // the merged person's day-1 e-mail
        await factory.PublishAsync(Assigned(survivor.Id));
        await factory.RunTimersAsync(); // the survivor's own ladder waits for its day 1
        Assert.Equal(["follow-up-1"], (await factory.JourneyMessagesAsync(merged.Id)).Select(m => m.Template));

        await PublishAsync(factory, new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = factory.Time.GetUtcNow(), MergeId = Ids.New(), SurvivorId = survivor.Id, MergedIds = [merged.Id] }, "messaging-contacts-merged");

        var enrollments = await factory.EnrollmentsAsync(survivor.Id);
        Assert.Equal(2, enrollments.Count);
        var kept = Assert.Single(enrollments, e => e.Status == EnrollmentStatus.Active);
        var stopped = Assert.Single(enrollments, e => e.Status == EnrollmentStatus.Stopped);
        Assert.Equal((merged.Id, 3), (kept.MergedFromContactId, kept.Step)); // waits for its day-3 step
        Assert.Equal((JourneyStops.Merged, (string?)null), (stopped.StopReason, stopped.MergedFromContactId));

        await factory.AdvanceAsync(TimeSpan.FromDays(1)); // the survivor's own day 1: stopped, nothing
        await factory.AdvanceAsync(TimeSpan.FromDays(1)); // the kept ladder's day 3
        Assert.Equal(["follow-up-1", "follow-up-2"], (await factory.JourneyMessagesAsync(survivor.Id)).Select(m => m.Template));
    }

    [Fact]
    public async Task An_erasure_deletes_the_budget_the_owner_the_inbound_times_and_the_bounce_marks_of_the_persons_addresses()
    {
        await using var factory = new JourneyFactory();
        var now = factory.Time.GetUtcNow();
        var erased = factory.NewContact();
        var other = factory.NewContact();
        var bounced = new Message
        {
            Id = Ids.New(), ContactId = erased.Id, Channel = "email", Template = "welcome", To = erased.Emails[0], Subject = "Welcome", Status = "failed", SentAt = now,
        };
        var writes = new List<WriteOperation>
        {
            Write.Insert(MessageCollections.Messages, bounced),
            Write.Insert(AddressSuppressionCollections.SuppressedAddresses, new SuppressedAddress { Id = AddressSuppression.Key(erased.Emails[0]), Reason = AddressSuppression.BouncedAddress, BouncedAt = now, MessageId = bounced.Id }),
            Write.Insert(AddressSuppressionCollections.SuppressedAddresses, new SuppressedAddress { Id = AddressSuppression.Key(other.Emails[0]), Reason = AddressSuppression.BouncedAddress, BouncedAt = now }),
        };
        foreach (var contact in new[] { erased, other })
        {
            writes.Add(Write.Insert(PressureCollections.Ledgers, new PressureLedger { Id = contact.Id, Sends = [Send("x-" + contact.Id, TimeSpan.FromHours(1), now)] }));
            writes.Add(Write.Insert(ConversationCollections.ContactOwners, new ContactOwner { Id = contact.Id, RepId = "rep-1", LeadId = "l-1", AssignedAt = now }));
            writes.Add(Write.Insert(ContactChannelCollections.ContactChannels, new ContactChannel { Id = contact.Id, LastInboundAt = new(StringComparer.Ordinal) { ["sms"] = now } }));
        }

        await factory.Store.CommitAsync([.. writes]);

        await PublishAsync(factory, new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = now, ContactId = erased.Id, RequestId = Ids.New() }, "messaging-contact-erasure-requested");

        Assert.Null(await factory.Store.GetAsync(PressureCollections.Ledgers, erased.Id));
        Assert.Null(await factory.Store.GetAsync(ConversationCollections.ContactOwners, erased.Id));
        Assert.Null(await factory.Store.GetAsync(ContactChannelCollections.ContactChannels, erased.Id));
        Assert.Null(await factory.Store.GetAsync(AddressSuppressionCollections.SuppressedAddresses, AddressSuppression.Key(erased.Emails[0])));
        Assert.Equal("", (await factory.Store.GetAsync(MessageCollections.Messages, bounced.Id))!.To);
        Assert.NotNull(await factory.Store.GetAsync(PressureCollections.Ledgers, other.Id));
        Assert.NotNull(await factory.Store.GetAsync(ConversationCollections.ContactOwners, other.Id));
        Assert.NotNull(await factory.Store.GetAsync(ContactChannelCollections.ContactChannels, other.Id));
        Assert.NotNull(await factory.Store.GetAsync(AddressSuppressionCollections.SuppressedAddresses, AddressSuppression.Key(other.Emails[0])));
    }

    private static LeadAssigned Assigned(string contactId) => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = $"l-{Ids.New()}", ContactId = contactId, RepId = "rep-1", RepName = "Grace Hopper",
    };

    /// <summary>Publishes <paramref name="e"/> and waits until <paramref name="queue"/> committed it (its inbox record).</summary>
    private static async Task PublishAsync<T>(JourneyFactory factory, T e, string queue)
        where T : class
    {
        var messageId = Guid.NewGuid();
        await factory.Harness.Bus.Publish(e, MassTransit.Pipe.Execute<MassTransit.PublishContext<T>>(context => context.MessageId = messageId));
        await Poll.UntilAsync(
            async () => await factory.Store.GetAsync(PlatformCollections.Inbox, new InboxKey(messageId.ToString("N"), queue).Id) is not null,
            $"{typeof(T).Name} committed by {queue}",
            TimeSpan.FromSeconds(30));
    }
}
