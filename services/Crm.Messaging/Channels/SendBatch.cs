using System.Runtime.ExceptionServices;
using Crm.Contacts.Consent;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.Messaging.Pressure;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Channels;

/// <summary>
/// What a batch decided for one queued message, collected by its delivery (<see cref="SendQueuedMessage"/>) into the
/// delivery's unit of work: a completion (the final message, guarded by the claim, with its events and, when delayed,
/// the timer that queues it again), nothing (handled before), or a failure to throw (busy, transient, unknown outcome).
/// </summary>
public sealed record SendOutcome
{
    public required string MessageId { get; init; }

    public ClaimStatus Claim { get; init; } = ClaimStatus.Claimed;

    /// <summary>The message as finished (or delayed); null when nothing is to be written.</summary>
    public Message? Finished { get; init; }

    public string? ClaimToken { get; init; }

    /// <summary><c>MessageSent</c> when it was handed over.</summary>
    public IReadOnlyList<object> Events { get; init; } = [];

    /// <summary>A delayed message's <see cref="MessageQueued"/>, kept with its timer (the variables it was queued with).</summary>
    public MessageQueued? DelayedRequest { get; init; }

    /// <summary>Thrown by the delivery: the message is retried (queued again by the batch unless the outcome is unknown).</summary>
    public ExceptionDispatchInfo? Failure { get; init; }

    /// <summary>Collects the outcome into <paramref name="unit"/> (or throws its failure).</summary>
    public void CollectInto(UnitOfWork unit, ILogger logger)
    {
        switch (Claim)
        {
            case ClaimStatus.AlreadyHandled:
                logger.LogInformation("Message {MessageId} was handled before; nothing to send", MessageId);
                return;
            case ClaimStatus.Busy:
                throw new ConcurrencyException($"Message '{MessageId}' is being sent by another delivery.");
        }

        Failure?.Throw();
        if (Finished is not { } finished)
        {
            return;
        }

        logger.LogInformation("Message {MessageId} on {Channel} to contact {ContactId}: {Status} {Reason}", finished.Id, finished.Channel, finished.ContactId, finished.Status, finished.Reason);
        SendOnce.Complete(unit, finished, ClaimToken!, Events);
        if (finished is { Status: EmailStatus.Delayed, DueAt: { } due } && DelayedRequest is { } request)
        {
            // Never dropped: a timer queues it again when due, and it is decided again from scratch then.
            unit.Schedule(QueueDelayedMessage.TimerKind, finished.Id, due, request);
        }
    }
}

/// <summary>
/// Gathers the queued messages the deliveries of <c>messaging-message-queued</c> hand it into batches, in
/// <see cref="SendingOptions.ConcurrentBatches"/> lanes with a worker each: a worker takes every message waiting in its
/// lane, up to <see cref="SendingOptions.BatchSize"/>, as soon as it is free (no waiting for a batch to fill: one message
/// alone goes at once). A contact's messages always take the same lane, so two batches of this process never race for
/// one contact's budget or fence (they would fail each other's version-guarded writes and be decided again). Each batch
/// runs in its own scope (<see cref="SendBatch"/>); each delivery gets its message's outcome.
/// </summary>
public sealed class SendBatcher : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    private readonly Batcher<MessageQueued, SendOutcome> _batcher;

    public SendBatcher(IServiceScopeFactory scopes, SendingOptions sending, ILogger<SendBatcher> logger)
    {
        _scopes = scopes;
        _batcher = new(sending.ConcurrentBatches, sending.BatchSize, SendBatchAsync, logger);
    }

    /// <summary>Sends <paramref name="request"/> with the next batch of its contact's lane and answers what was decided for it.</summary>
    public Task<SendOutcome> SendAsync(MessageQueued request) => _batcher.SubmitAsync(request, _batcher.LaneOf(request.ContactId));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _batcher.RunAsync(stoppingToken);

    private async Task<IReadOnlyList<SendOutcome>> SendBatchAsync(IReadOnlyList<MessageQueued> requests, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SendBatch>().SendAsync(requests, cancellationToken);
    }
}

/// <summary>
/// Sends a batch of queued messages on the one send path, with every rule of a single send, for the batch at once where
/// the rules allow: <b>claim</b> every message in one commit (<see cref="SendOnce.ClaimQueuedManyAsync"/>); erased
/// contacts read at once → <c>suppressed</c>; the contacts from Contacts in <b>one gRPC call</b> (current at send time;
/// unknown → <c>failed</c> / <c>unknown-contact</c>); per message: consent with its purpose → <c>suppressed</c>, the address
/// (<c>skipped</c> / <c>no-address</c>), a hard-bounced e-mail address, the template (looked up once per key, channel and
/// locale of the batch; <c>failed</c> / <c>template</c>), the channel's configuration, the WhatsApp window; the contact
/// <b>budget</b> decided for the batch in order and written in one commit (<see cref="PressureGate.DecideAndReserveManyAsync"/>:
/// one contact's messages in one batch count each other); then the <b>consent fence</b> for every message that may go in
/// one call (<see cref="ConsentFence.BeginBatchAsync"/>), the provider calls in parallel (at most
/// <see cref="SendingOptions.Parallelism"/>), each within its hold, and every hold released in one call. One message's
/// failure is its own: a provider refusing it (<c>failed</c> / <c>rejected</c>), a transient failure (queued again, in one
/// commit for the batch, and retried), an unknown outcome (the claim kept) leave the others as they went. A failure of
/// a step for the whole batch (Contacts down) fails each of its messages the same way.
/// </summary>
public sealed class SendBatch(
    SendOnce sendOnce,
    UnitOfWork unit,
    IContactDirectory contacts,
    ChannelAdapters channels,
    ConsentFence fence,
    TemplateRenderer templates,
    PressureGate pressure,
    PressurePolicy policy,
    SendingOptions sending,
    TimeProvider time,
    ILogger<SendBatch> logger)
{
    /// <summary>Sends <paramref name="requests"/>; the outcomes in their order.</summary>
    public async Task<IReadOnlyList<SendOutcome>> SendAsync(IReadOnlyList<MessageQueued> requests, CancellationToken cancellationToken)
    {
        var claimToken = Ids.New();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(sending.Timeout);
        using var handOver = new CancellationTokenSource(sending.Timeout);

        var claims = await sendOnce.ClaimQueuedManyAsync([.. requests.Select(r => r.MessageId)], claimToken, sending.ClaimLease, cancellationToken);
        var items = requests.Select((request, index) => new Item(request, claims[index].Message, claimToken)).ToList();
        var outcomes = new SendOutcome?[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            if (claims[i].Status != ClaimStatus.Claimed)
            {
                outcomes[i] = new SendOutcome { MessageId = requests[i].MessageId, Claim = claims[i].Status };
            }
        }

        try
        {
            await SendClaimedAsync([.. items.Where(i => i.Message is not null)], timeout.Token, handOver.Token, cancellationToken);
        }
        catch (Exception ex)
        {
            // A step for the whole batch failed: every message not decided yet fails with it.
            foreach (var item in items.Where(i => i.Message is not null && i.Outcome is null))
            {
                item.Fail(ex);
            }
        }

        // Given up before the hand-over (a transient failure): queued again at once, in one commit, for the retry.
        try
        {
            await sendOnce.RequeueManyAsync(
                [.. items.Where(i => i.Outcome?.Failure is { } f && f.SourceException is not ChannelOutcomeUnknownException).Select(i => i.Message!.Id)],
                claimToken,
                CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The others' outcomes stand; these are taken over after their lease.
            logger.LogWarning(ex, "Messages that failed in a batch were not queued again; they are retried after their lease");
        }

        for (var i = 0; i < items.Count; i++)
        {
            outcomes[i] ??= items[i].Outcome;
        }

        return [.. outcomes.Select((o, i) => o ?? new SendOutcome { MessageId = requests[i].MessageId, Failure = ExceptionDispatchInfo.Capture(new InvalidOperationException($"Message '{requests[i].MessageId}' was left undecided.")) })];
    }

    private async Task SendClaimedAsync(IReadOnlyList<Item> claimed, CancellationToken timeout, CancellationToken handOver, CancellationToken cancellationToken)
    {
        if (claimed.Count == 0)
        {
            return;
        }

        // To a rep, not the contact (an SLA alert): staff, so no consent, pressure or fence (Alerts/RepAlertDelivery).
        foreach (var item in claimed.Where(i => i.Message!.RecipientRepId is not null))
        {
            try
            {
                item.Done(await Alerts.RepAlertDelivery.SendAsync(unit, channels, templates, time, logger, item.Message!, item.Request, timeout, handOver));
            }
            catch (Exception ex)
            {
                item.Fail(ex);
            }
        }

        claimed = [.. claimed.Where(i => i.Outcome is null)];
        var erased = (await unit.GetManyAsync(MessageCollections.ErasedContacts, claimed.Select(i => i.Message!.ContactId), cancellationToken)).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var item in claimed.Where(i => erased.Contains(i.Message!.ContactId)))
        {
            item.Finish(EmailStatus.Suppressed, time);
        }

        var open = claimed.Where(i => i.Outcome is null).ToList();
        var cards = open.Count == 0 ? new Dictionary<string, ContactCard>() : await contacts.GetContactsAsync([.. open.Select(i => i.Message!.ContactId).Distinct(StringComparer.Ordinal)], timeout);
        var found = new Dictionary<(string, string, string?), Task<MessageTemplate?>>();
        foreach (var item in open)
        {
            try
            {
                await PrepareAsync(item, cards.GetValueOrDefault(item.Message!.ContactId), found, timeout, cancellationToken);
            }
            catch (Exception ex)
            {
                item.Fail(ex);
            }
        }

        // The contact budget for everything that may go, one commit for the batch.
        var asking = open.Where(i => i.Outcome is null).ToList();
        var decisions = await pressure.DecideAndReserveManyAsync(
            [.. asking.Select(i => new PressureQuestion(i.Message!.Id, i.Contact!, i.Message.Channel, i.Purpose, i.LastInbound, i.ApprovedTemplate))],
            cancellationToken);
        foreach (var (item, decision) in asking.Zip(decisions))
        {
            switch (decision)
            {
                case { Outcome: PressureOutcome.Block, Reason: PressureReasons.WhatsAppWindow }:
                    item.Finish(EmailStatus.Failed, time, FailureReasons.WhatsAppWindow, item.To!);
                    break;
                case { Outcome: PressureOutcome.Block }:
                    item.Finish(EmailStatus.Suppressed, time, decision.Reason);
                    break;
                case { Outcome: PressureOutcome.Delay, Until: { } until }:
                    logger.LogInformation("Message {MessageId} on {Channel} to contact {ContactId} delayed until {DueAt}: {Reason}", item.Message!.Id, item.Message.Channel, item.Message.ContactId, until, decision.Reason);
                    item.Delay(until, decision.Reason!, time);
                    break;
            }
        }

        // The one place messages are handed to a channel, behind Contacts' consent fence: a withdrawal commits only after
        // these hand-offs (each cancelled before its hold expires); the holds released together.
        var going = asking.Where(i => i.Outcome is null).ToList();
        if (going.Count == 0)
        {
            return;
        }

        await using var holds = await fence.BeginBatchAsync([.. going.Select(i => i.Message!)], cancellationToken);
        await Parallel.ForEachAsync(
            going.Zip(holds.HandOffs),
            new ParallelOptions { MaxDegreeOfParallelism = sending.Parallelism, CancellationToken = CancellationToken.None },
            async (pair, _) =>
            {
                var (item, hold) = pair;
                if (!hold.Allowed)
                {
                    item.Finish(EmailStatus.Suppressed, time, hold.Reason, item.To!);
                    return;
                }

                try
                {
                    var delivery = await item.Adapter!.SendAsync(item.Outgoing!, hold.Token(handOver));
                    item.Sent(delivery, time);
                }
                catch (ChannelRejectedException ex)
                {
                    logger.LogWarning("Message {MessageId} on {Channel} refused by the provider: {Detail}", item.Message!.Id, item.Message.Channel, ex.Message);
                    item.Finish(EmailStatus.Failed, time, FailureReasons.Rejected, item.To!, item.Rendered!.Subject);
                }
                catch (Exception ex)
                {
                    item.Fail(ex); // transient (queued again) or unknown (the claim kept): its own, not the batch's
                }
            });
    }

    /// <summary>Everything decided for one message before the budget: consent, address, template, channel, WhatsApp window.</summary>
    private async Task PrepareAsync(Item item, ContactCard? contact, Dictionary<(string, string, string?), Task<MessageTemplate?>> found, CancellationToken timeout, CancellationToken cancellationToken)
    {
        var message = item.Message!;
        if (contact is null)
        {
            item.Finish(EmailStatus.Failed, time, FailureReasons.UnknownContact); // Contacts answered: unknown (accepted while it was down)
            return;
        }

        item.Contact = contact;
        item.Purpose = message.Purpose == TemplateChannels.Marketing ? SendPurpose.Marketing : SendPurpose.Transactional;
        if (ContactPressure.ConsentRefusal(contact.DoNotContact, contact.ConsentOf(message.Channel), item.Purpose) is { } refused)
        {
            item.Finish(EmailStatus.Suppressed, time, refused);
            return;
        }

        var to = message.Channel == "email" ? (contact.Emails.Count > 0 ? contact.Emails[0] : null) : (contact.Phones.Count > 0 ? contact.Phones[0] : null);
        if (string.IsNullOrWhiteSpace(to))
        {
            item.Finish(EmailStatus.Skipped, time, FailureReasons.NoAddress);
            return;
        }

        item.To = to;
        if (message.Channel == "email" && await AddressSuppression.HoldsAsync(unit, contact.Id, to, cancellationToken))
        {
            item.Finish(EmailStatus.Suppressed, time, FailureReasons.BouncedAddress, to); // a hard bounce before (AddressSuppressions)
            return;
        }

        var model = TemplateModel.Of(contact);
        var errors = new Crm.ServiceDefaults.Http.ValidationErrors();
        foreach (var (root, member, value) in TemplateEndpoints.ReadVariables(item.Request.Variables?.ToDictionary(), errors))
        {
            model.Set(root, member, value);
        }

        var locale = item.Request.Locale ?? contact.Locale;
        var key = (message.Template, message.Channel, locale);
        if (!found.TryGetValue(key, out var lookUp))
        {
            lookUp = templates.FindAsync(message.Template, message.Channel, locale, timeout);
            found[key] = lookUp;
        }

        var render = await lookUp is { } template ? TemplateRenderer.Render(template, model) : null;
        if (render?.Message is not { } rendered)
        {
            logger.LogWarning(
                "Message {MessageId} to contact {ContactId} not sent: template {Template} ({Locale}) {Problem}",
                message.Id,
                contact.Id,
                message.Template,
                render?.Template.Locale ?? locale,
                render is null ? "does not exist for the locale nor the default" : "lacks " + string.Join(", ", render.Missing.Select(m => m.Path)));
            item.Finish(EmailStatus.Failed, time, FailureReasons.Template, to);
            return;
        }

        item.Rendered = rendered;
        item.Adapter = channels.Get(message.Channel);
        if (!item.Adapter.IsConfigured)
        {
            item.Finish(EmailStatus.Failed, time, FailureReasons.NotConfigured, to, rendered.Subject);
            return;
        }

        item.Outgoing = new ChannelMessage(message.Id, to, contact.Name, rendered.Subject, rendered.Body);
        if (message.Channel == "whatsapp")
        {
            // Outside the window only the template's approved provider template may go (else the pressure rules refuse it).
            var window = await unit.GetAsync(ContactChannelCollections.ContactChannels, contact.Id, cancellationToken);
            item.LastInbound = window?.LastInboundAt.TryGetValue("whatsapp", out var at) == true ? at : null;
            var inWindow = item.LastInbound is { } last && time.GetUtcNow() < last + policy.WhatsAppWindow;
            if (!inWindow && !string.IsNullOrWhiteSpace(render.Template.ProviderTemplate))
            {
                item.ApprovedTemplate = true;
                item.Outgoing = item.Outgoing with { ProviderTemplate = render.Template.ProviderTemplate, ProviderLanguage = render.Template.ProviderLanguage };
            }
        }
    }

    /// <summary>One claimed message on its way through the batch, and its outcome once decided.</summary>
    private sealed class Item(MessageQueued request, Message? message, string claimToken)
    {
        public MessageQueued Request { get; } = request;
        public Message? Message { get; } = message;
        public ContactCard? Contact { get; set; }
        public SendPurpose Purpose { get; set; }
        public string? To { get; set; }
        public RenderedMessage? Rendered { get; set; }
        public IChannelAdapter? Adapter { get; set; }
        public ChannelMessage? Outgoing { get; set; }
        public DateTimeOffset? LastInbound { get; set; }
        public bool ApprovedTemplate { get; set; }
        public SendOutcome? Outcome { get; private set; }

        public void Finish(string status, TimeProvider time, string? reason = null, string to = "", string subject = "") =>
            Outcome = new SendOutcome
            {
                MessageId = Message!.Id,
                ClaimToken = claimToken,
                Finished = Message with { Status = status, Reason = reason, To = to, Subject = subject, SentAt = time.UtcNowMs() },
            };

        public void Delay(DateTimeOffset until, string reason, TimeProvider time) =>
            Outcome = new SendOutcome
            {
                MessageId = Message!.Id,
                ClaimToken = claimToken,
                Finished = Message with { Status = EmailStatus.Delayed, Reason = reason, DueAt = until, SentAt = time.UtcNowMs() },
                DelayedRequest = Request,
            };

        public void Sent(ChannelDelivery delivery, TimeProvider time)
        {
            var sent = Message! with { To = To!, Subject = Rendered!.Subject, Status = delivery.Status, Reason = null, DueAt = null, ProviderMessageId = delivery.ProviderMessageId, SentAt = time.UtcNowMs() };
            Outcome = new SendOutcome { MessageId = sent.Id, ClaimToken = claimToken, Finished = sent, Events = [sent.SentEvent()] };
        }

        /// <summary>Finished elsewhere (an alert to a rep): completed as it is, with no event.</summary>
        public void Done(Message finished) => Outcome = new SendOutcome { MessageId = finished.Id, ClaimToken = claimToken, Finished = finished };

        public void Fail(Exception ex) => Outcome = new SendOutcome { MessageId = Message!.Id, ClaimToken = claimToken, Failure = ExceptionDispatchInfo.Capture(ex) };
    }
}
