using Crm.Leads.Contacts;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace Crm.Leads.Leads;

/// <summary>
/// Durable timer <c>lead-contact</c> (key: the lead's id), scheduled by a capture Contacts could not answer: asks
/// Contacts again and, when it answers, stores the contact, scores the lead again on the normalised identities and
/// publishes <c>LeadCaptured</c> and <c>LeadScored</c> in the same commit (so the lead is assigned and welcomed as if
/// captured now). While Contacts stays unavailable it tries again after 1, 2, 4, 8 s, then every <see cref="MaxDelay"/>
/// (each attempt while it is down is one fast-failing call and one small write), never giving up: an accepted lead is
/// never forgotten. The first call Contacts answers after an outage brings every pending lead's timer forward
/// (<see cref="AfterContactsAnswered"/>), so the backlog does not wait out its back-offs; should that commit fail, a
/// lead still waits at most <see cref="MaxDelay"/> (15 s) after Contacts is back. An identity Contacts rejects is
/// recorded on the lead (<see cref="Lead.ContactError"/>) instead of being retried forever.
/// </summary>
public sealed class ResolvePendingContact(IContactDirectory contacts, ContactsOutage outage, ScoringRules scoring, IOptions<LeadsOptions> options, ILogger<ResolvePendingContact> logger) : ITimerHandler
{
    public const string TimerKind = "lead-contact";

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(15);

    public string Kind => TimerKind;

    /// <summary>Schedules the next attempt (0: the first, a second after the capture).</summary>
    public static void Schedule(UnitOfWork unit, string leadId, int attempt) =>
        unit.Schedule(TimerKind, leadId, unit.Now + Delay(attempt), new Attempt(attempt));

    /// <summary>
    /// Call after Contacts answered, with the unit that commits what the answer brought: when this process saw Contacts
    /// unavailable since its last answer, every pending lead is brought forward to now (once per outage).
    /// </summary>
    public static void AfterContactsAnswered(UnitOfWork unit, ContactsOutage outage)
    {
        if (outage.TryEnd())
        {
            unit.WakeTimers(TimerKind);
        }
    }

    /// <summary>1 s, 2 s, 4 s, 8 s, then <see cref="MaxDelay"/>.</summary>
    public static TimeSpan Delay(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(MaxDelay.TotalSeconds, Math.Pow(2, Math.Clamp(attempt, 0, 30))));

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var lead = await unit.GetAsync(LeadCollections.Leads, timer.Key, cancellationToken);
        if (lead is not { ContactPending: true })
        {
            return;
        }

        var attempt = timer.PayloadAs<Attempt>()?.Number ?? 0;
        Lead resolved;
        try
        {
            // Scored as when the capture was accepted (its first score's time): a reported capturedAt days back must not
            // score the signals as they were then (a "recent" interaction, hot for a moment, decayed by the next timer).
            resolved = lead.WithContact(await contacts.ResolveAsync(lead.Name, lead.Email, lead.Phone, cancellationToken))
                .Scored(await scoring.CurrentAsync(cancellationToken), lead.ScoredAt ?? lead.CapturedAt, initial: true);
        }
        catch (ContactsUnavailableException ex)
        {
            var next = attempt + 1;
            logger.LogWarning("Contacts is still unavailable for lead {LeadId} ({Reason}); attempt {Attempt} in {Delay}", lead.Id, ex.Message, next, Delay(next));
            Schedule(unit, lead.Id, next);
            return;
        }
        catch (ContactIdentityException ex)
        {
            logger.LogWarning("Contacts rejected an identity of pending lead {LeadId}: {Field}: {Reason}; the lead stays unassigned", lead.Id, ex.Field, ex.Reason);
            unit.Replace(LeadCollections.Leads, lead with { ContactPending = false, ContactError = $"{ex.Field}: {ex.Reason}", Version = lead.Version + 1 }, lead.Version);
            return;
        }

        AfterContactsAnswered(unit, outage);

        // Its Location was handed out with the 202, so it stays a lead of its own; it holds the contact's open key
        // unless another lead of the contact opened meanwhile.
        resolved = resolved.WithOpenKey(options.Value.OneOpenPerContact);
        if (resolved.OpenKey is not null && (await unit.FindAsync(LeadQueries.OpenLeadOf(resolved.ContactId!, resolved.PipelineId), cancellationToken)).Count > 0)
        {
            resolved = resolved with { OpenKey = null };
        }

        resolved = resolved with { Version = lead.Version + 1 };
        unit.Replace(LeadCollections.Leads, resolved, lead.Version);
        foreach (var message in resolved.CaptureEvents())
        {
            unit.Publish(message);
        }

        LeadScoring.Announce(unit, null, resolved, "capture");
    }

    private sealed record Attempt(int Number);
}
