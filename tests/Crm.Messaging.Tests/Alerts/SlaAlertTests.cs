using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.Contracts.Messaging;
using Crm.Messaging.Alerts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Messaging.Tests.Alerts;

/// <summary>
/// SLA alerts: the rep directory kept from Assignment's rep events, and alerts e-mailed on the one send path (pickup
/// folder) — a warning to the owning rep, a breach to the rep and the team lead — once per clock, kind and recipient.
/// </summary>
public sealed class SlaAlertTests(MessagingApiFactory factory) : IClassFixture<MessagingApiFactory>
{
    private static readonly DateTimeOffset Started = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_warning_e_mails_the_owning_rep_once_however_often_it_arrives()
    {
        var rep = await RepAsync("Wanda Warned", "wanda@example.com");
        var warning = Warning(rep.Id);

        await factory.Harness.Bus.Publish(warning);
        var alert = await FinishedAsync(warning.LeadId, AlertTemplates.SlaWarning, 1);
        await factory.Harness.Bus.Publish(warning with { EventId = Guid.NewGuid() }); // the same clock's warning again (a republish under a new id)
        await factory.Harness.Bus.Publish(warning);                                   // a redelivery
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<SlaWarning>(x => x.Context.Message.EventId != warning.EventId && x.Context.Message.LeadId == warning.LeadId).Any()), "the SlaWarning consumed");

        var message = Assert.Single(alert);
        Assert.Equal(("picked-up", "wanda@example.com", rep.Id, "transactional", rep.Id, warning.ContactId), (message.Status, message.To, message.RecipientRepId, message.Purpose, message.OwnerRepId, message.ContactId));
        Assert.Equal("SLA warning: lead " + warning.LeadId + " (first-contact)", message.Subject);
        var email = MimeKit.MimeMessage.Load(Path.Combine(factory.PickupDirectory, $"{message.Id}.eml"));
        Assert.Contains("Hello Wanda Warned", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("is due at 2026-11-30 09:12 UTC", email.TextBody, StringComparison.Ordinal);
        Assert.Equal("wanda@example.com", Assert.Single(email.To.Mailboxes).Address);
        // Internal: not a message to the contact (no MessageSent for the contact's timeline and counters).
        Assert.False(await factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == message.Id));
        Assert.Single(await factory.Store.FindAsync(MessageQueries.OfLeadAndTemplate(warning.LeadId, AlertTemplates.SlaWarning)));

        // A new clock (restarted by an activity) warns again.
        await factory.Harness.Bus.Publish(warning with { EventId = Guid.NewGuid(), StartedAt = Started.AddHours(1) });
        await FinishedAsync(warning.LeadId, AlertTemplates.SlaWarning, 2);
    }

    [Fact]
    public async Task A_breach_e_mails_the_owning_rep_and_the_team_lead()
    {
        var owner = await RepAsync("Otto Owner", "otto@example.com");
        var lead = await RepAsync("Tess Teamlead", "tess@example.com");
        var breached = new SlaBreached
        {
            EventId = Guid.NewGuid(), OccurredAt = Started.AddMinutes(15), LeadId = $"l-{Ids.New()}", ContactId = $"c-{Ids.New()}", RepId = owner.Id,
            TeamId = "north", TeamLeadRepId = lead.Id, Sla = "first-contact", Grade = "hot", StartedAt = Started, Target = TimeSpan.FromMinutes(15),
        };

        await factory.Harness.Bus.Publish(breached);
        await factory.Harness.Bus.Publish(breached with { EventId = Guid.NewGuid() });

        var alerts = await FinishedAsync(breached.LeadId, AlertTemplates.SlaBreached, 2);
        Assert.Equal(
            [(owner.Id, "otto@example.com"), (lead.Id, "tess@example.com")],
            alerts.Select(m => (m.RecipientRepId, m.To)).OrderBy(x => x.To, StringComparer.Ordinal));
        Assert.All(alerts, m => Assert.Equal(("picked-up", "north", owner.Id), (m.Status, m.OwnerTeamId, m.OwnerRepId)));
        var toLead = alerts.Single(m => m.RecipientRepId == lead.Id);
        var body = MimeKit.MimeMessage.Load(Path.Combine(factory.PickupDirectory, $"{toLead.Id}.eml")).TextBody;
        Assert.Contains("Hello Tess Teamlead", body, StringComparison.Ordinal);
        Assert.Contains("owned by Otto Owner, was missed (target 00:15:00)", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_team_lead_who_owns_the_lead_gets_one_breach_alert()
    {
        var owner = await RepAsync("Lena Leader", "lena@example.com");
        var breached = new SlaBreached
        {
            EventId = Guid.NewGuid(), OccurredAt = Started.AddHours(48), LeadId = $"l-{Ids.New()}", ContactId = $"c-{Ids.New()}", RepId = owner.Id,
            TeamLeadRepId = owner.Id, Sla = "follow-up", StartedAt = Started, Target = TimeSpan.FromHours(48),
        };

        await factory.Harness.Bus.Publish(breached);

        Assert.Equal(owner.Id, Assert.Single(await FinishedAsync(breached.LeadId, AlertTemplates.SlaBreached, 1)).RecipientRepId);
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<SlaBreached>(x => x.Context.Message.EventId == breached.EventId).Any()), "the SlaBreached consumed");
        Assert.Single(await factory.Store.FindAsync(MessageQueries.OfLeadAndTemplate(breached.LeadId, AlertTemplates.SlaBreached)));
    }

    [Fact]
    public async Task The_directory_keeps_the_newest_rep_version_and_a_rep_without_an_address_is_skipped()
    {
        var rep = await RepAsync("Nora Noaddress", "nora@example.com");
        await factory.Harness.Bus.Publish(Changed(rep.Id, "Nora Noaddress", email: null, version: 3));
        await Poll.UntilAsync(async () => (await factory.Store.GetAsync(AlertCollections.Reps, rep.Id))?.RepVersion == 3, "version 3 kept");
        await factory.Harness.Bus.Publish(Changed(rep.Id, "Nora Older", email: "nora@example.com", version: 2)); // late
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<RepChanged>(x => x.Context.Message.RepId == rep.Id && x.Context.Message.Version == 2).Any()), "the RepChanged consumed");

        var kept = (await factory.Store.GetAsync(AlertCollections.Reps, rep.Id))!;
        Assert.Equal(("Nora Noaddress", (string?)null, 3L), (kept.Name, kept.Email, kept.RepVersion));
        var warning = Warning(rep.Id);
        await factory.Harness.Bus.Publish(warning);
        var skipped = Assert.Single(await FinishedAsync(warning.LeadId, AlertTemplates.SlaWarning, 1));
        Assert.Equal(("skipped", "no-address", ""), (skipped.Status, skipped.Reason, skipped.To));
    }

    private static SlaWarning Warning(string repId) => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = Started.AddMinutes(12), LeadId = $"l-{Ids.New()}", ContactId = $"c-{Ids.New()}", RepId = repId,
        Sla = "first-contact", Grade = "hot", StartedAt = Started, BreachAt = Started.AddMinutes(12),
    };

    private static RepChanged Changed(string repId, string name, string? email, long version) => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, RepId = repId, Name = name, Capacity = 5, Active = true, Email = email,
        Version = version, ChangedBy = Actor.System,
    };

    /// <summary>A rep created in Assignment (its <c>RepCreated</c>), once the directory has it.</summary>
    private async Task<RepDirectoryEntry> RepAsync(string name, string email)
    {
        var id = $"rep-{Ids.New()}";
        await factory.Harness.Bus.Publish(new RepCreated
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, RepId = id, Name = name, Capacity = 5, Active = true, Email = email,
            Version = 1, ChangedBy = Actor.System,
        });
        return await Poll.ForAsync(() => factory.Store.GetAsync(AlertCollections.Reps, id), $"rep {id} in the directory");
    }

    private Task<IReadOnlyList<Message>> FinishedAsync(string leadId, string template, int count) =>
        Poll.ForAsync(
            async () => await factory.Store.FindAsync(MessageQueries.OfLeadAndTemplate(leadId, template)) is { } found
                        && found.Count == count && found.All(m => m.Status is not ("queued" or "sending"))
                ? found
                : null,
            $"{count} {template} alert(s) of {leadId} finished",
            TimeSpan.FromSeconds(30));
}
