using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using MimeKit;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>Messaging's answer to a GDPR erasure: the contact's messages lose the person's data, it is confirmed, and the person is never written to again.</summary>
public sealed class ContactErasureTests(MessagingApiFactory factory) : IClassFixture<MessagingApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_erasure_request_removes_address_and_name_from_the_contacts_messages_and_is_confirmed()
    {
        var contact = NewContact();
        var other = NewContact();
        var first = NewLeadAssigned(contact.Id);
        var second = NewLeadAssigned(contact.Id);
        var untouched = NewLeadAssigned(other.Id);
        foreach (var assigned in new[] { first, second, untouched })
        {
            await factory.Harness.Bus.Publish(assigned);
            await Poll.UntilAsync(() => factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.LeadId == assigned.LeadId), "the welcome sent", Timeout);
        }

        var request = Guid.NewGuid().ToString("N");
        var erasure = new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contact.Id, RequestId = request };
        await factory.Harness.Bus.Publish(erasure);

        var confirmed = await ConfirmationsAsync(request, 1);
        Assert.Equal((EraseOnErasureRequested.ServiceName, contact.Id, 2), (confirmed[0].Service, confirmed[0].ContactId, confirmed[0].Records));
        Assert.Equal("messaging", confirmed[0].Service);

        var erased = await factory.Store.FindAsync(MessageQueries.NewestOfContact(contact.Id));
        Assert.Equal(new[] { first.LeadId, second.LeadId }.Order(StringComparer.Ordinal), erased.Select(m => m.LeadId!).Order(StringComparer.Ordinal));
        Assert.All(erased, m =>
        {
            Assert.Equal((string.Empty, string.Empty), (m.To, m.Subject));
            Assert.NotNull(m.ErasedAt);
            // What is not about the person stays, so counts and lists stay right.
            Assert.Equal((contact.Id, "email", "welcome", "picked-up", "rep-1"), (m.ContactId, m.Channel, m.Template, m.Status, m.OwnerRepId));
        });
        var kept = Assert.Single(await factory.Store.FindAsync(MessageQueries.NewestOfContact(other.Id)));
        Assert.Equal((other.Emails[0], $"Welcome, {other.Name}!", (DateTimeOffset?)null), (kept.To, kept.Subject, kept.ErasedAt));
        Assert.NotNull(await factory.Store.GetAsync(MessageCollections.ErasedContacts, contact.Id));

        // Delivered again under a new message id: nothing fails, nothing is left to erase, confirmed again.
        await factory.Harness.Bus.Publish(erasure, ctx => ctx.MessageId = NewId.NextGuid());
        var again = await ConfirmationsAsync(request, 2);
        Assert.Equal([2, 0], again.Select(c => c.Records).Order().Reverse());
        Assert.Equal(request, (await factory.Store.GetAsync(MessageCollections.ErasedContacts, contact.Id))!.RequestId);
    }

    [Fact]
    public async Task The_export_returns_the_contacts_messages_with_address_and_subject_and_nothing_of_another_contact()
    {
        var contact = NewContact();
        var other = NewContact();
        var mine = NewLeadAssigned(contact.Id);
        var theirs = NewLeadAssigned(other.Id);
        foreach (var assigned in new[] { mine, theirs })
        {
            await factory.Harness.Bus.Publish(assigned);
            await Poll.UntilAsync(() => factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.LeadId == assigned.LeadId), "the welcome sent", Timeout);
        }

        var reply = await factory.ExportPersonalDataAsync(contact.Id);

        Assert.Equal("messaging", reply.Service);
        Assert.Equal(["messages", "erasures"], reply.Sections.Select(s => s.Kind));
        var message = Assert.Single(reply.Records("messages"));
        Assert.Equal((mine.LeadId, contact.Emails[0], $"Welcome, {contact.Name}!", "welcome"), (message.Text("leadId"), message.Text("to"), message.Text("subject"), message.Text("template")));
        Assert.Empty(reply.Records("erasures"));
        Assert.DoesNotContain(other.Emails[0], reply.ToString(), StringComparison.Ordinal);

        // After the erasure the same message is there without the person, and the erasure mark is part of the export.
        var request = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contact.Id, RequestId = request });
        await ConfirmationsAsync(request, 1);
        var after = await factory.ExportPersonalDataAsync(contact.Id);
        var erased = Assert.Single(after.Records("messages"));
        Assert.Equal((mine.LeadId, string.Empty, string.Empty), (erased.Text("leadId"), erased.Text("to"), erased.Text("subject")));
        Assert.Equal(request, Assert.Single(after.Records("erasures")).Text("requestId"));
    }

    [Fact]
    public async Task A_LeadAssigned_after_the_erasure_sends_nothing_to_the_person()
    {
        // Contacts may still answer for the contact (a replayed event, a store not caught up): the marker decides.
        var contact = NewContact();
        var request = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contact.Id, RequestId = request });
        Assert.Equal(0, (await ConfirmationsAsync(request, 1))[0].Records);

        var late = NewLeadAssigned(contact.Id);
        await factory.Harness.Bus.Publish(late);

        var stored = await factory.WelcomeFinishedAsync(late.LeadId);
        Assert.Equal(("suppressed", string.Empty, string.Empty, null), (stored.Status, stored.To, stored.Subject, stored.ClaimToken));
        Assert.Empty(FindEmails(contact.Name!));
    }

    [Fact]
    public async Task A_welcome_being_sent_when_the_erasure_commits_can_no_longer_be_completed()
    {
        var contact = NewContact();
        var sendOnce = new SendOnce(factory.Store, TimeProvider.System);
        var pending = new Message
        {
            Id = Ids.New(),
            ContactId = contact.Id,
            LeadId = $"l-{Ids.New()}",
            Channel = "email",
            Template = "welcome",
            To = string.Empty,
            Subject = string.Empty,
            Status = "sending",
            SentAt = DateTimeOffset.UtcNow,
        };
        var claim = await sendOnce.ClaimAsync(pending, "token-1", TimeSpan.FromMinutes(1));
        Assert.Equal(ClaimStatus.Claimed, claim.Status);

        var request = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contact.Id, RequestId = request });
        await ConfirmationsAsync(request, 1);

        var suppressed = await factory.Store.GetAsync(MessageCollections.Messages, claim.MessageId!);
        Assert.Equal(("suppressed", null, null), (suppressed!.Status, suppressed.ClaimToken, suppressed.LeaseUntil));
        var finished = pending with { Id = claim.MessageId!, To = contact.Emails[0], Subject = $"Welcome, {contact.Name}!", Status = "picked-up" };
        await Assert.ThrowsAsync<Crm.ServiceDefaults.Storage.ConcurrencyException>(() => factory.Store.CommitAsync(MessageQueries.Complete(finished, "token-1")));
        Assert.Equal(string.Empty, (await factory.Store.GetAsync(MessageCollections.Messages, claim.MessageId!))!.To);
        Assert.Equal(ClaimStatus.AlreadyHandled, (await sendOnce.ClaimAsync(pending with { Id = Ids.New() }, "token-2", TimeSpan.FromMinutes(1))).Status);
    }

    private async Task<List<ContactDataErased>> ConfirmationsAsync(string requestId, int count)
    {
        await Poll.UntilAsync(
            () => Task.FromResult(factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == requestId).Count() >= count),
            $"{count} ContactDataErased for {requestId}",
            Timeout);
        return [.. factory.Harness.Published.Select<ContactDataErased>(x => x.Context.Message.RequestId == requestId).Select(x => x.Context.Message)];
    }

    private ContactCard NewContact() => factory.NewContact("Eve");

    private static LeadAssigned NewLeadAssigned(string contactId) => MessagingApiFactory.NewLeadAssigned(contactId);

    private List<MimeMessage> FindEmails(string name)
    {
        var found = new List<MimeMessage>();
        foreach (var file in Directory.GetFiles(factory.PickupDirectory, "*.eml"))
        {
            var message = MimeMessage.Load(file);
            if (message.Subject?.Contains(name, StringComparison.Ordinal) == true)
            {
                found.Add(message);
            }
            else
            {
                message.Dispose();
            }
        }

        return found;
    }

    [Fact]
    public async Task A_merge_moves_the_contacts_messages_to_the_survivor_and_its_unmerge_moves_exactly_those_back()
    {
        var survivor = NewContact();
        var merged = NewContact();
        var own = NewLeadAssigned(survivor.Id);
        var moving = NewLeadAssigned(merged.Id);
        foreach (var assigned in new[] { own, moving })
        {
            await factory.Harness.Bus.Publish(assigned);
            await Poll.UntilAsync(() => factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.LeadId == assigned.LeadId), "the welcome sent", Timeout);
        }

        var mergeId = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = mergeId, SurvivorId = survivor.Id, MergedIds = [merged.Id] });
        await Poll.UntilAsync(async () => (await factory.Store.FindAsync(MessageQueries.NewestOfContact(survivor.Id))).Count == 2, "the merged contact's message moved", Timeout);
        Assert.Empty(await factory.Store.FindAsync(MessageQueries.NewestOfContact(merged.Id)));

        await factory.Harness.Bus.Publish(new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MergeId = mergeId, SurvivorId = survivor.Id, RestoredIds = [merged.Id] });
        var back = await Poll.ForAsync(async () => (await factory.Store.FindAsync(MessageQueries.NewestOfContact(merged.Id))) is [var m] ? m : null, "the message moved back", Timeout);
        Assert.Equal((moving.LeadId, null, null), (back.LeadId, back.MergeId, back.MergedFromContactId));
        Assert.Equal(own.LeadId, Assert.Single(await factory.Store.FindAsync(MessageQueries.NewestOfContact(survivor.Id))).LeadId);
    }
}
