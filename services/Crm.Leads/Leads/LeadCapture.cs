using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Audit;
using Crm.Leads.Contacts;
using Crm.Leads.Pipelines;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace Crm.Leads.Leads;

/// <summary>What a capture came to: 201 a new lead, 202 a new lead whose contact is pending, 200 a repeat recorded on the contact's open lead, 400 errors.</summary>
public sealed record CaptureOutcome(int Status, Lead? Lead, IDictionary<string, string[]>? Errors)
{
    public static CaptureOutcome Invalid(IDictionary<string, string[]> errors) => new(StatusCodes.Status400BadRequest, null, errors);
}

/// <summary>A capture validated and resolved (or pending), not written yet; <see cref="Errors"/> when invalid.</summary>
public sealed record PreparedCapture(Lead? Lead, IDictionary<string, string[]>? Errors, ScoringRuleSet? Rules = null);

/// <summary>
/// Capture without HTTP (one lead or an item of a batch): validation (every field error at once, Contacts' own
/// included), contact resolution, and the writes into a unit of work: a new lead with <c>LeadCaptured</c> and
/// <c>LeadScored</c>, a pending lead with its timer, or, when the contact already has an open lead in the pipeline
/// (<see cref="LeadsOptions.RepeatCapture"/>), the capture recorded on that lead instead of a silent duplicate.
/// The caller commits; when the commit meets a concurrent capture of the same contact (the <c>open_key</c> index),
/// it discards and calls <see cref="CaptureAsync"/> again, which then finds the open lead.
/// </summary>
public sealed class LeadCapture(
    IContactDirectory contacts,
    ContactsOutage outage,
    ScoringRules scoring,
    PipelineCache pipelines,
    IOptions<LeadsOptions> options)
{
    /// <summary>
    /// The activity type a phone capture logs (channel <c>phone</c>, given or inferred: the capture is a call), by whoever
    /// captured it: the default pipeline's exit from <c>new</c> asks for one.
    /// </summary>
    public const string CallActivity = "call";

    /// <summary>Validates and resolves, then writes into <paramref name="unit"/> (<see cref="PrepareAsync"/> then <see cref="Apply"/>).</summary>
    public async Task<CaptureOutcome> CaptureAsync(CaptureLeadRequest request, Actor capturedBy, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(request, capturedBy, unit, cancellationToken);
        return prepared.Errors is { } errors ? CaptureOutcome.Invalid(errors) : await ApplyAsync(prepared, unit, cancellationToken);
    }

    /// <summary>
    /// Validation (every field error, Contacts' included) and contact resolution, nothing written: the slow part, run
    /// for the items of a batch at once. The result is applied with <see cref="ApplyAsync"/> (items of a batch in order).
    /// </summary>
    public async Task<PreparedCapture> PrepareAsync(CaptureLeadRequest request, Actor capturedBy, UnitOfWork reads, CancellationToken cancellationToken)
    {
        var errors = CaptureLeadValidation.Validate(request, reads.Now, options.Value.MaxCapturedAtAge);
        var pipelineId = CaptureLeadValidation.Trimmed(request.Pipeline) ?? Pipeline.DefaultId;
        var pipeline = Identifiers.IsKebab(pipelineId) ? await pipelines.GetAsync(reads, pipelineId, cancellationToken) : null;
        if (pipeline is null && Identifiers.IsKebab(pipelineId))
        {
            errors.Add("pipeline", $"There is no pipeline '{pipelineId}'.");
        }

        if (!errors.IsEmpty)
        {
            await AddContactsProblemsAsync(request, errors, cancellationToken);
            return new PreparedCapture(null, errors.ToDictionary());
        }

        var rules = await scoring.CurrentAsync(cancellationToken);
        // The time the source reports (validated above), else now; scored as of now either way.
        var capturedAt = request.CapturedAt?.TruncateToMs() ?? reads.Now;
        var lead = NewLead(request, pipeline!, capturedBy, capturedAt).Scored(rules, reads.Now, initial: true);
        try
        {
            var resolved = lead.WithContact(await contacts.ResolveAsync(lead.Name, lead.Email, lead.Phone, cancellationToken));
            return new PreparedCapture(resolved.Scored(rules, reads.Now, initial: true), null, rules);
        }
        catch (ContactIdentityException ex)
        {
            errors.Add(ex.Field, ex.Reason);
            await AddContactsProblemsAsync(request, errors, cancellationToken, except: ex.Field);
            return new PreparedCapture(null, errors.ToDictionary());
        }
        catch (ContactsUnavailableException)
        {
            return new PreparedCapture(lead, null, rules);
        }
    }

    /// <summary>The writes of a valid prepared capture: a new lead (201), a pending one (202), or the capture recorded on the contact's open lead (200).</summary>
    public async Task<CaptureOutcome> ApplyAsync(PreparedCapture prepared, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var lead = prepared.Lead ?? throw new InvalidOperationException("An invalid capture has nothing to apply.");
        if (lead.ContactPending)
        {
            // Contacts down must not bounce a valid lead: stored with its identities as captured, answered 202;
            // ResolvePendingContact resolves, scores and announces it when Contacts answers again.
            unit.Insert(LeadCollections.Leads, lead);
            ResolvePendingContact.Schedule(unit, lead.Id, attempt: 0);
            return new CaptureOutcome(StatusCodes.Status202Accepted, lead, null);
        }

        ResolvePendingContact.AfterContactsAnswered(unit, outage);
        lead = lead.WithOpenKey(options.Value.OneOpenPerContact);
        if (lead.OpenKey is not null
            && await unit.FindAsync(LeadQueries.OpenLeadOf(lead.ContactId!, lead.PipelineId), cancellationToken) is [var open, ..])
        {
            var repeated = open.WithRepeatCapture(lead, unit.Now).Scored(prepared.Rules!, unit.Now);
            unit.Replace(LeadCollections.Leads, repeated, open.Version);
            LeadScoring.Announce(unit, open, repeated, "repeat-capture");
            return new CaptureOutcome(StatusCodes.Status200OK, repeated, null);
        }

        unit.Insert(LeadCollections.Leads, lead);
        foreach (var message in lead.CaptureEvents())
        {
            unit.Publish(message);
        }

        LeadScoring.Announce(unit, null, lead, "capture");

        return new CaptureOutcome(StatusCodes.Status201Created, lead, null);
    }

    /// <summary>Whether a failed commit met a concurrent capture of the same contact (then capture again: it finds the open lead).</summary>
    public static bool IsOpenLeadRace(DuplicateKeyException exception) => exception.Collection == LeadCollections.Leads.Name;

    /// <summary>What Contacts finds wrong with the identities too, so one 400 names every bad field (best effort: Contacts down adds nothing).</summary>
    private async Task AddContactsProblemsAsync(CaptureLeadRequest request, ValidationErrors errors, CancellationToken cancellationToken, string? except = null)
    {
        var email = CaptureLeadValidation.Trimmed(request.Email);
        var phone = CaptureLeadValidation.Trimmed(request.Phone);
        var known = errors.ToDictionary();
        email = email is not null && !known.ContainsKey("email") ? email : null;
        phone = phone is not null && !known.ContainsKey("phone") ? phone : null;
        if (email is null && phone is null)
        {
            return;
        }

        try
        {
            foreach (var problem in await contacts.CheckAsync(email, phone, cancellationToken))
            {
                if (problem.Field != except)
                {
                    errors.Add(problem.Field, problem.Reason);
                }
            }
        }
        catch (ContactsUnavailableException)
        {
            // The local errors are answered; Contacts' are found on the next attempt.
        }
    }

    /// <summary>
    /// The lead as captured at <paramref name="capturedAt"/> (now, or the time the source reported), its contact still to
    /// be resolved (identities trimmed, scored on them), in the pipeline's first stage since then.
    /// </summary>
    private static Lead NewLead(CaptureLeadRequest capture, Pipeline pipeline, Actor capturedBy, DateTimeOffset capturedAt)
    {
        var source = CaptureLeadValidation.Trimmed(capture.Source)!;
        var utm = Utm(capture.Utm);
        var channel = capture.Channel ?? ChannelInference.Infer(source, utm);
        var lead = new Lead
        {
            Id = Ids.New(),
            ContactPending = true,
            Name = CaptureLeadValidation.Trimmed(capture.Name),
            Email = CaptureLeadValidation.Trimmed(capture.Email),
            Phone = CaptureLeadValidation.Trimmed(capture.Phone),
            ExternalId = CaptureLeadValidation.Trimmed(capture.ExternalId),
            Source = source,
            Channel = channel,
            Campaign = CaptureLeadValidation.Trimmed(capture.Campaign) ?? utm?.Campaign,
            Utm = utm,
            Interest = CaptureLeadValidation.Trimmed(capture.Interest),
            Region = CaptureLeadValidation.Trimmed(capture.Region),
            Budget = capture.Budget is { } budget ? MoneyValues.Canonical(budget) : null,
            DecisionDate = capture.DecisionDate,
            ReferredBy = CaptureLeadValidation.Trimmed(capture.ReferredBy),
            PipelineId = pipeline.Id,
            Stage = pipeline.FirstStage,
            Status = LeadStatus.Open,
            StageEnteredAt = capturedAt,
            StageHistory = [new StageChange { From = null, To = pipeline.FirstStage, Status = LeadStatus.Open, At = capturedAt, By = capturedBy }],
            Activities = CaptureActivities(channel, capturedBy, capturedAt),
            PagesVisited = capture.PagesVisited,
            LastInteractionAt = capture.LastInteractionAt?.TruncateToMs(),
            Fields = capture.Fields is null ? new Dictionary<string, string>() : new Dictionary<string, string>(capture.Fields, StringComparer.Ordinal),
            Signals = LeadScoring.CaptureSignals([], capture.PagesVisited, capture.LastInteractionAt?.TruncateToMs(), capturedAt),
            Score = 0,
            Grade = Grade.Cold,
            CapturedAt = capturedAt,
            CapturedBy = capturedBy,
            Version = 1,
        };
        return lead;
    }

    /// <summary>
    /// What the capture itself logs: a phone capture is a call, logged by the capturer at the capture time. It is part of
    /// the capture (announced by <c>LeadCaptured</c> with channel <c>phone</c>), so no <c>LeadActivityLogged</c> of its
    /// own: the owner's first-contact clock in Assignment still waits for the owner.
    /// </summary>
    private static IReadOnlyList<LeadActivity> CaptureActivities(Channel channel, Actor capturedBy, DateTimeOffset now) =>
        channel == Channel.Phone
            ? [new LeadActivity { Id = Ids.New(), Type = CallActivity, At = now, Note = "Logged with the lead's capture by phone.", By = capturedBy }]
            : [];

    private static UtmTags? Utm(UtmTags? utm)
    {
        if (utm is null)
        {
            return null;
        }

        var trimmed = new UtmTags
        {
            Source = CaptureLeadValidation.Trimmed(utm.Source),
            Medium = CaptureLeadValidation.Trimmed(utm.Medium),
            Campaign = CaptureLeadValidation.Trimmed(utm.Campaign),
            Term = CaptureLeadValidation.Trimmed(utm.Term),
            Content = CaptureLeadValidation.Trimmed(utm.Content),
        };
        return trimmed == new UtmTags() ? null : trimmed;
    }
}
