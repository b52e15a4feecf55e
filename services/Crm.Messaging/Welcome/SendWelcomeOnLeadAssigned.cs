using Crm.Contacts.Consent;
using Crm.Contracts.Assignment;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Welcome;

/// <summary>
/// Queue <c>messaging-lead-assigned</c>: welcomes a contact when their lead is assigned. Claims the welcome of the
/// lead (<see cref="SendOnce"/>: a concurrent duplicate or a second assignment of the same lead sends nothing), looks
/// the contact up in Contacts (gRPC), renders the <c>welcome</c> e-mail template (<see cref="TemplateRenderer"/>, in the contact's locale), sends it, and completes the message with
/// <see cref="MessageSent"/> in the unit of work the consume pipeline commits (with its inbox record, so a
/// redelivery of this message is dropped before it gets here). A contact without an e-mail address gets a
/// <c>skipped</c> record and no event; one whose consent forbids it (do-not-contact, e-mail withdrawn) a
/// <c>suppressed</c> record and no event, and so does a contact Messaging erased (<see cref="ErasedContact"/>,
/// without address or subject). A template that lacks a variable's value gives a <c>failed</c> record (reason
/// <c>template</c>), no e-mail and no event. A failure gives the claim up and is retried, except one while the e-mail was
/// handed over (<see cref="EmailOutcomeUnknownException"/>): like a process that dies mid-send, it leaves a claim that
/// a later delivery takes over, under the same id, when its lease ends (<see cref="SendingOptions"/>). Delivery is at least once: a crash between
/// handing the e-mail over and committing can repeat that one e-mail.
/// </summary>
public sealed class SendWelcomeOnLeadAssigned(
    SendOnce sendOnce,
    UnitOfWork unit,
    IContactDirectory contacts,
    IEmailSender sender,
    TemplateRenderer templates,
    SendingOptions sending,
    TimeProvider time,
    ILogger<SendWelcomeOnLeadAssigned> logger) : IConsumer<LeadAssigned>
{
    public const string Channel = "email";

    public async Task Consume(ConsumeContext<LeadAssigned> context)
    {
        var assigned = context.Message;
        if (string.IsNullOrWhiteSpace(assigned.LeadId) || string.IsNullOrWhiteSpace(assigned.ContactId))
        {
            throw new InvalidMessageException("LeadAssigned needs a leadId and a contactId.");
        }

        var pending = new Message
        {
            Id = Ids.New(),
            ContactId = assigned.ContactId,
            LeadId = assigned.LeadId,
            DedupeKey = MessageKeys.Welcome(assigned.LeadId),
            Channel = Channel,
            Template = DefaultTemplates.Welcome,
            To = string.Empty,
            Subject = string.Empty,
            Status = EmailStatus.Sending,
            SentAt = time.UtcNowMs(),
            OwnerRepId = string.IsNullOrWhiteSpace(assigned.RepId) ? null : assigned.RepId,
            OwnerTeamId = string.IsNullOrWhiteSpace(assigned.TeamId) ? null : assigned.TeamId,
        };
        var claimToken = Ids.New();
        var claim = await sendOnce.ClaimAsync(pending, claimToken, sending.ClaimLease, context.CancellationToken);
        switch (claim.Status)
        {
            case ClaimStatus.AlreadyHandled:
                logger.LogInformation("Welcome e-mail for lead {LeadId} was handled before; nothing to send", assigned.LeadId);
                return;
            case ClaimStatus.Busy:
                // Another delivery is sending it now: retried later, by when it is done (or its claim has expired).
                throw new Crm.ServiceDefaults.Storage.ConcurrencyException($"The welcome e-mail for lead '{assigned.LeadId}' is being sent by another delivery.");
        }

        var message = pending with { Id = claim.MessageId! };
        try
        {
            await SendAsync(assigned, message, claimToken, context.CancellationToken);
        }
        catch (EmailOutcomeUnknownException)
        {
            // The SMTP server may have taken it: the claim stays, and a retry sends it under the same id once the
            // lease ends. Released, a retry would claim it afresh and send a second, different e-mail.
            throw;
        }
        catch
        {
            await sendOnce.ReleaseAsync(message.Id, claimToken, CancellationToken.None);
            throw;
        }
    }

    private async Task SendAsync(LeadAssigned assigned, Message message, string claimToken, CancellationToken cancellationToken)
    {
        // The look-up stops when the delivery is cancelled (the broker gone, the process stopping); the hand-over,
        // once begun, only when its time is up: cut mid-way, nobody would know whether the e-mail left.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(sending.Timeout);
        using var handOver = new CancellationTokenSource(sending.Timeout);

        // An erased contact (GDPR) is never written to again, whatever event names them later (a replayed or late
        // LeadAssigned): checked after the claim committed, so an erasure committing meanwhile either finds the claim
        // (and suppresses it: this completion then fails, and its retry finds the message handled) or is seen here.
        if (await unit.GetAsync(MessageCollections.ErasedContacts, assigned.ContactId, cancellationToken) is not null)
        {
            logger.LogInformation("Contact {ContactId} was erased: welcome for lead {LeadId} not sent", assigned.ContactId, assigned.LeadId);
            var erased = message with { Status = EmailStatus.Suppressed, SentAt = time.UtcNowMs() };
            SendOnce.Complete(unit, erased, claimToken, []);
            return;
        }

        // Not found is retried for the retry window (then a dead letter): Contacts created the contact before the lead
        // existed, so it can only be a store that has not caught up.
        var contact = await contacts.GetContactAsync(assigned.ContactId, timeout.Token)
            ?? throw new DependencyUnavailableException($"Contacts does not know contact '{assigned.ContactId}' of lead '{assigned.LeadId}' (yet).");
        var render = await templates.RenderAsync(DefaultTemplates.Welcome, Channel, contact.Locale, WelcomeModel(assigned, contact), timeout.Token);
        var subject = render?.Message?.Subject ?? string.Empty;

        // Consent at send time: the welcome answers the person's own enquiry (transactional), so an unknown e-mail
        // consent is enough; do-not-contact or a withdrawn e-mail consent suppresses it (ConsentRules, from Contacts).
        var consent = ConsentRules.MaySend(contact.DoNotContact, contact.ConsentOf(Channel), SendPurpose.Transactional);
        if (!consent.Allowed)
        {
            logger.LogInformation("Welcome for lead {LeadId} of contact {ContactId} suppressed by consent: {Reason}", assigned.LeadId, contact.Id, consent.Reason);
            var suppressed = message with { Subject = subject, Status = EmailStatus.Suppressed, SentAt = time.UtcNowMs() };
            SendOnce.Complete(unit, suppressed, claimToken, []);
            return;
        }

        if (contact.Emails.Count == 0)
        {
            logger.LogInformation("Contact {ContactId} has no e-mail address: welcome for lead {LeadId} skipped", contact.Id, assigned.LeadId);
            var skipped = message with { Subject = subject, Status = EmailStatus.Skipped, SentAt = time.UtcNowMs() };
            SendOnce.Complete(unit, skipped, claimToken, []);
            return;
        }

        if (await Channels.AddressSuppression.HoldsAsync(unit, contact.Id, contact.Emails[0], cancellationToken))
        {
            // The address hard-bounced before (Channels/AddressSuppressions): nothing goes to it until cleared.
            SendOnce.Complete(unit, message with { To = contact.Emails[0], Subject = subject, Status = EmailStatus.Suppressed, Reason = FailureReasons.BouncedAddress, SentAt = time.UtcNowMs() }, claimToken, []);
            return;
        }

        if (render?.Message is not { } rendered)
        {
            // Never "Hello {{ name }}" nor "Hello ": a template lacking a value (or no template at all) sends nothing. Not
            // retried: the same event renders the same way; the message records why. Variable names are not personal data.
            logger.LogWarning(
                "Welcome for lead {LeadId} of contact {ContactId} not sent: template {Template} ({Locale}) {Problem}",
                assigned.LeadId,
                contact.Id,
                DefaultTemplates.Welcome,
                render?.Template.Locale ?? contact.Locale,
                render is null ? "does not exist for the contact's locale nor the default" : "lacks " + string.Join(", ", render.Missing.Select(m => m.Path)));
            var failed = message with { Status = EmailStatus.Failed, Reason = FailureReasons.Template, SentAt = time.UtcNowMs() };
            SendOnce.Complete(unit, failed, claimToken, []);
            return;
        }

        var to = contact.Emails[0];
        var delivery = await sender.SendAsync(new EmailMessage(message.Id, to, contact.Name, rendered.Subject, rendered.Body), handOver.Token);
        var sent = message with { To = to, Subject = rendered.Subject, Status = delivery.Status, SentAt = time.UtcNowMs() };
        SendOnce.Complete(unit, sent, claimToken, [sent.SentEvent()]);
    }

    /// <summary>The welcome's variables: the contact as Contacts answered, the rep and the lead as the event names them.</summary>
    internal static TemplateModel WelcomeModel(LeadAssigned assigned, ContactCard contact) =>
        TemplateModel.Of(contact)
            .Set("rep", "id", assigned.RepId)
            .Set("rep", "name", assigned.RepName)
            .Set("lead", "id", assigned.LeadId)
            .Set("lead", "grade", assigned.Grade)
            .Set("lead", "score", assigned.Score);
}
