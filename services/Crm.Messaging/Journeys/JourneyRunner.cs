using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.Messaging.Alerts;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.Messaging.Pressure;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Journeys;

/// <summary>The payload of a journey step timer: the step it runs (a timer of a step already run does nothing).</summary>
public sealed record JourneyStepTimer(int Step, int Entry);

/// <summary>
/// Runs journeys: enrolls the contacts an event is about into the journeys it triggers (their current version, the
/// re-entry rule), stops the active enrollments an event ends, and runs an enrollment's steps from the durable timer
/// <see cref="Kind"/> (key: the enrollment id) in the timer's unit of work — up to the next wait, which schedules the
/// timer again. A step runs once: the timer carries the step it is for, the enrollment moves on guarded by its version,
/// and both commit with the timer's removal.
/// </summary>
public sealed class JourneyRunner(IContactDirectory contacts, TemplateRenderer templates, PressurePolicy pressure, ILogger<JourneyRunner> logger)
{
    public const string Kind = "journey-step";

    /// <summary>Steps one timer may run before it must wait (a journey without waits between its jumps is refused when stored).</summary>
    private const int MaxStepsPerRun = 100;

    /// <summary>Stops what <paramref name="e"/> ends, then enrolls whom it triggers; the caller commits.</summary>
    public async Task ApplyAsync(UnitOfWork unit, object e, CancellationToken cancellationToken)
    {
        if (StopOf(e) is { } stop)
        {
            await StopAsync(unit, stop.ContactId, stop.Reason, cancellationToken);
        }

        var type = e.GetType().Name;
        if (!JourneyEvents.Triggers.Contains(type, StringComparer.Ordinal))
        {
            return;
        }

        // The welcome journey is run at once by the welcome consumer (Welcome/SendWelcomeOnLeadAssigned), never enrolled here.
        var journeys = (await JourneyCatalog.TriggeredByAsync(unit, type, cancellationToken)).Where(j => j.Active && j.JourneyId != DefaultJourneys.Welcome).ToList();
        if (journeys.Count == 0)
        {
            return;
        }

        var entered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fact in JourneyEvents.FactsOf(e).Where(f => f.ContactId.Length > 0))
        {
            foreach (var journey in journeys.Where(j => JourneyRules.Matches(j.Conditions, fact.Fields)))
            {
                if (!entered.Add($"{journey.JourneyId}:{fact.ContactId}")
                    || await unit.GetAsync(MessageCollections.ErasedContacts, fact.ContactId, cancellationToken) is not null)
                {
                    continue;
                }

                var found = await unit.FindAsync(JourneyQueries.OfContactInJourney(fact.ContactId, journey.JourneyId), cancellationToken);
                var latest = found.Count > 0 ? found[0] : null;
                if (!JourneyRules.MayEnter(journey, latest, unit.Now))
                {
                    continue;
                }

                var entry = (latest?.Entry ?? 0) + 1;
                var enrollment = new JourneyEnrollment
                {
                    Id = JourneyEnrollment.IdOf(journey.JourneyId, fact.ContactId, entry),
                    JourneyId = journey.JourneyId,
                    JourneyVersion = journey.Version,
                    ContactId = fact.ContactId,
                    LeadId = fact.LeadId,
                    Entry = entry,
                    Step = 0,
                    Status = EnrollmentStatus.Active,
                    StopOn = journey.StopOn,
                    Facts = fact.Fields,
                    NextDueAt = unit.Now,
                    EnteredAt = unit.Now,
                    Version = 1,
                };
                unit.Insert(JourneyCollections.Enrollments, enrollment);
                unit.Schedule(Kind, enrollment.Id, unit.Now, new JourneyStepTimer(0, entry));
                logger.LogInformation("Contact {ContactId} entered journey {JourneyId} v{Version} (entry {Entry})", fact.ContactId, journey.JourneyId, journey.Version, entry);
            }
        }
    }

    /// <summary>The stop an event means for its contact, if any.</summary>
    public static (string ContactId, string Reason)? StopOf(object e) => e switch
    {
        InboundMessageReceived m => (m.ContactId, JourneyStops.Replied),
        LeadWon m => (m.ContactId, JourneyStops.Won),
        LeadLost m => (m.ContactId, JourneyStops.Lost),
        ConsentChanged m when m.DoNotContact || m.Status == "withdrawn" => (m.ContactId, JourneyStops.ConsentWithdrawn),
        OrderPlaced m => (m.ContactId, JourneyStops.Ordered),
        _ => null,
    };

    /// <summary>Stops the contact's active enrollments whose version stops on <paramref name="reason"/> (their timers cancelled).</summary>
    public async Task<int> StopAsync(UnitOfWork unit, string contactId, string reason, CancellationToken cancellationToken)
    {
        var stopped = 0;
        foreach (var enrollment in await unit.FindAsync(JourneyQueries.ActiveOfContact(contactId), cancellationToken))
        {
            if (enrollment.StopOn.Contains(reason, StringComparer.Ordinal))
            {
                End(unit, enrollment, EnrollmentStatus.Stopped, reason);
                stopped++;
            }
        }

        return stopped;
    }

    /// <summary>Ends <paramref name="enrollment"/> (guarded by its version) and cancels its timer.</summary>
    public static JourneyEnrollment End(UnitOfWork unit, JourneyEnrollment enrollment, string status, string? reason)
    {
        var ended = enrollment with { Status = status, StopReason = reason, EndedAt = unit.Now, NextDueAt = null, Version = enrollment.Version + 1 };
        unit.Replace(JourneyCollections.Enrollments, ended, enrollment.Version);
        unit.CancelTimer(Kind, enrollment.Id);
        return ended;
    }

    /// <summary>Runs the enrollment of timer <paramref name="timer"/> from its step up to the next wait (or its end).</summary>
    public async Task RunAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var enrollment = await unit.GetAsync(JourneyCollections.Enrollments, timer.Key, cancellationToken);
        var due = timer.PayloadAs<JourneyStepTimer>();
        if (enrollment is not { Status: EnrollmentStatus.Active } || due is null || due.Step != enrollment.Step || due.Entry != enrollment.Entry)
        {
            logger.LogDebug("Journey timer {Key} for step {Step}: already run or ended", timer.Key, due?.Step);
            return;
        }

        var journey = await JourneyCatalog.VersionAsync(unit, enrollment.JourneyId, enrollment.JourneyVersion, cancellationToken);
        if (journey is null)
        {
            End(unit, enrollment, EnrollmentStatus.Stopped, "journey-missing");
            return;
        }

        var e = enrollment;
        ContactCard? contact = null;
        async Task<ContactCard> ContactAsync() => contact ??= await contacts.GetContactAsync(e.ContactId, cancellationToken)
            ?? throw new DependencyUnavailableException($"Contacts does not know contact '{e.ContactId}' (yet).");

        for (var run = 0; run < MaxStepsPerRun; run++)
        {
            if (e.Step >= journey.Steps.Count)
            {
                Save(unit, enrollment, e with { Status = EnrollmentStatus.Completed, EndedAt = unit.Now, NextDueAt = null });
                return;
            }

            var step = journey.Steps[e.Step];
            switch (step.Type)
            {
                case StepTypes.Wait:
                    if (!JourneyRules.TryParseDuration(step.Duration, out var duration))
                    {
                        throw new InvalidOperationException($"Journey {journey.Id} v{journey.Version} step {e.Step}: bad duration '{step.Duration}'.");
                    }

                    // From when this step was due: a timer fired late (a replica down, a backlog) does not push the whole journey back.
                    Wait(unit, enrollment, e with { Step = e.Step + 1 }, (timer.DueAt < unit.Now ? timer.DueAt : unit.Now) + duration);
                    return;
                case StepTypes.WaitUntil:
                    var card = await ContactAsync();
                    if (!JourneyRules.TryParseTimeOfDay(step.TimeOfDay, out var time))
                    {
                        throw new InvalidOperationException($"Journey {journey.Id} v{journey.Version} step {e.Step}: bad time of day '{step.TimeOfDay}'.");
                    }

                    if (step.OnBirthday == true && card.Birthday is null)
                    {
                        Save(unit, enrollment, e with { Status = EnrollmentStatus.Stopped, StopReason = JourneyStops.NoBirthday, EndedAt = unit.Now, NextDueAt = null });
                        return;
                    }

                    var zone = PressureZones.Resolve(card.TimeZone, pressure.DefaultTimeZone);
                    Wait(unit, enrollment, e with { Step = e.Step + 1 }, JourneyRules.NextTimeOfDay(unit.Now, zone, time, step.OnBirthday == true ? card.Birthday : null));
                    return;
                case StepTypes.Send:
                    if (await unit.GetAsync(MessageCollections.ErasedContacts, e.ContactId, cancellationToken) is not null)
                    {
                        Save(unit, enrollment, e with { Status = EnrollmentStatus.Stopped, StopReason = JourneyStops.Erased, EndedAt = unit.Now, NextDueAt = null });
                        return;
                    }

                    e = await SendAsync(unit, e, journey, step, await ContactAsync(), cancellationToken);
                    break;
                case StepTypes.Branch:
                    var facts = step.If is null ? e.Facts : JourneyRules.WithContact(e.Facts, await ContactAsync());
                    e = e with { Step = step.If is null || JourneyRules.Holds(step.If, facts) ? step.GoTo ?? e.Step + 1 : e.Step + 1 };
                    break;
                default:
                    e = e with { Step = e.Step + 1 };
                    break;
            }
        }

        throw new InvalidOperationException($"Journey {journey.Id} v{journey.Version} ran {MaxStepsPerRun} steps without a wait for enrollment {e.Id}.");
    }

    private async Task<JourneyEnrollment> SendAsync(UnitOfWork unit, JourneyEnrollment e, Journey journey, Contracts.Api.Messaging.JourneyStepDocument step, ContactCard contact, CancellationToken cancellationToken)
    {
        var purposes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var candidate in new[] { step.Channel!, step.FallbackChannel }.OfType<string>())
        {
            purposes[candidate] = (await templates.FindAsync(step.Template!, candidate, Locales.Normalize(contact.Locale), cancellationToken))?.Purpose ?? TemplateChannels.Transactional;
        }

        var channel = JourneyRules.ChooseChannel(contact, step.Channel!, step.FallbackChannel, c => purposes[c]);
        var next = e with { Step = e.Step + 1 };
        if (channel is null)
        {
            logger.LogInformation("Journey {JourneyId} step {Step}: contact {ContactId} has no address or consent on {Channel} nor {Fallback}; step skipped", e.JourneyId, e.Step, e.ContactId, step.Channel, step.FallbackChannel);
            return next;
        }

        // One message per lead and template (the unique index lead_template): a lead that has this one already gets no second.
        if (e.LeadId is not null && await unit.FindAsync(MessageQueries.OfLeadAndTemplate(e.LeadId, step.Template!), cancellationToken) is [_, ..])
        {
            logger.LogInformation("Journey {JourneyId} step {Step}: lead {LeadId} already has a {Template} message; step skipped", e.JourneyId, e.Step, e.LeadId, step.Template);
            return next;
        }

        // The trigger event's lead, rep and order (kept in the enrollment's facts) for the template; the lead's owner sees it.
        // The rep's e-mail and phone from the rep directory as it is now (the event carries neither).
        var (ownerRepId, ownerTeamId) = JourneyVariables.OwnerOf(journey.TriggerEvent, e.Facts);
        var rep = JourneyVariables.RepOf(journey.TriggerEvent, e.Facts) is { } repId ? await unit.GetAsync(AlertCollections.Reps, repId, cancellationToken) : null;
        var message = QueuedMessages.Queue(
            unit, e.ContactId, e.LeadId, channel, step.Template!, purposes[channel],
            variables: JourneyVariables.Of(journey.TriggerEvent, e.Facts, rep), ownerRepId: ownerRepId, ownerTeamId: ownerTeamId);
        return next with { MessageIds = [.. e.MessageIds, message.Id] };
    }

    private static void Wait(UnitOfWork unit, JourneyEnrollment original, JourneyEnrollment next, DateTimeOffset dueAt)
    {
        Save(unit, original, next with { NextDueAt = dueAt });
        unit.Schedule(Kind, next.Id, dueAt, new JourneyStepTimer(next.Step, next.Entry));
    }

    private static void Save(UnitOfWork unit, JourneyEnrollment original, JourneyEnrollment next) =>
        unit.Replace(JourneyCollections.Enrollments, next with { Version = original.Version + 1 }, original.Version);
}

/// <summary>Timer <see cref="JourneyRunner.Kind"/>: the due step of an enrollment.</summary>
public sealed class RunJourneyStep(JourneyRunner runner) : ITimerHandler
{
    public string Kind => JourneyRunner.Kind;

    public Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken) => runner.RunAsync(timer, unit, cancellationToken);
}

/// <summary>Queue <c>messaging-journeys-{event}</c>: stops and enrollments an event causes, in the consume pipeline's unit of work.</summary>
public sealed class JourneyEventConsumer<TEvent>(JourneyRunner runner, UnitOfWork unit) : IConsumer<TEvent>
    where TEvent : class
{
    public Task Consume(ConsumeContext<TEvent> context) => runner.ApplyAsync(unit, context.Message, context.CancellationToken);
}

/// <summary>The journey consumers, one queue per event.</summary>
public static class JourneyConsumers
{
    public static CrmConsumers AddJourneyConsumers(this CrmConsumers consumers) => consumers
        .Add<JourneyEventConsumer<Crm.Contracts.Assignment.LeadAssigned>>("journeys-lead-assigned")
        .Add<JourneyEventConsumer<SegmentMembershipChanged>>("journeys-segment-membership-changed")
        .Add<JourneyEventConsumer<InteractionRecorded>>("journeys-interaction-recorded")
        .Add<JourneyEventConsumer<OrderPlaced>>("journeys-order-placed")
        .Add<JourneyEventConsumer<ContactUpdated>>("journeys-contact-updated")
        .Add<JourneyEventConsumer<InboundMessageReceived>>("journeys-inbound-message-received")
        .Add<JourneyEventConsumer<LeadWon>>("journeys-lead-won")
        .Add<JourneyEventConsumer<LeadLost>>("journeys-lead-lost")
        .Add<JourneyEventConsumer<ConsentChanged>>("journeys-consent-changed");
}

/// <summary>Where journeys come from: the stored ones and the defaults no stored one replaces; a version of one.</summary>
public static class JourneyCatalog
{
    public static async Task<IReadOnlyList<Journey>> TriggeredByAsync(UnitOfWork unit, string eventType, CancellationToken cancellationToken)
    {
        var stored = await unit.FindAsync(JourneyQueries.TriggeredBy(eventType), cancellationToken);
        var all = await DefaultsNotStoredAsync(unit, cancellationToken);
        return [.. stored, .. all.Where(d => d.TriggerEvent == eventType)];
    }

    /// <summary>The defaults no stored journey replaces (a stored one of the same id may have another trigger).</summary>
    public static async Task<IReadOnlyList<Journey>> DefaultsNotStoredAsync(UnitOfWork unit, CancellationToken cancellationToken)
    {
        var stored = await unit.GetManyAsync(JourneyCollections.Journeys, DefaultJourneys.All.Select(d => d.Id), cancellationToken);
        var ids = stored.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return [.. DefaultJourneys.All.Where(d => !ids.Contains(d.Id))];
    }

    /// <summary>The current version of a journey: the stored one, else the default of that id.</summary>
    public static async Task<Journey?> CurrentAsync(UnitOfWork unit, string journeyId, CancellationToken cancellationToken) =>
        await unit.GetAsync(JourneyCollections.Journeys, journeyId, cancellationToken) ?? DefaultJourneys.Find(journeyId);

    public static async Task<Journey?> VersionAsync(UnitOfWork unit, string journeyId, long version, CancellationToken cancellationToken) =>
        version == 0
            ? DefaultJourneys.Find(journeyId)
            : await unit.GetAsync(JourneyCollections.Versions, Journey.VersionId(journeyId, version), cancellationToken);
}
