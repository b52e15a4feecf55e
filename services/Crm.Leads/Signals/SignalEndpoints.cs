using Crm.Contracts.Api.Leads;
using Crm.Contracts.Leads;
using Crm.Leads.Leads;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Signals;

/// <summary>
/// <c>POST /api/leads/signals</c>: behavioural signals in bulk (page views, downloads, clicks, form submits, e-mail opens
/// and clicks, replies, calls, cart events, orders), by lead id or by the person's e-mail, phone or external id; each recorded once
/// by its id; the leads they touch scored again and <c>InteractionRecorded</c> published, all in one commit. A person
/// records signals only on leads they see (<see cref="CallerIdentity.Sees"/>): any other lead, by id or by the person's
/// identifiers, answers 404 exactly like an unknown one.
/// </summary>
public static class SignalEndpoints
{
    public const int MaxBatch = 1000;
    public const int MaxCount = 1000;
    public const int MaxId = 100;
    public const string IdempotencyScope = "leads:signals";

    /// <summary>What a sender may send (the others are the platform's own: a capture's pages, a repeat capture).</summary>
    public static readonly IReadOnlySet<string> Accepted = SignalTypes.Known
        .Where(t => t is not (SignalTypes.CapturedPages or SignalTypes.RepeatCapture))
        .ToHashSet(StringComparer.Ordinal);

    public static RouteGroupBuilder MapSignalEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/signals", RecordAsync)
            .WithName("RecordSignals")
            .WithSummary("Record behavioural signals (up to 1,000)")
            .WithDescription(
                "Each signal names its lead by `leadId`, or the person by `email`, E.164 `phone` or the `externalId` given at capture (their newest open lead, else their " +
                "newest lead). A signal id already recorded (by this caller, within 30 days) is not counted again (200). The leads " +
                "touched are scored again at once (engagement rules, caps, decay); one `InteractionRecorded` lists what each lead " +
                "did, and the scores that moved are announced together (`LeadScoresChanged`). One result per signal: 202 recorded, 200 already recorded, 404 no such lead, 400 with its errors. " +
                "A rep records signals only on their own leads and a team lead on their team's (managers, admins and API keys on any): another lead, " +
                "named by id or by e-mail, phone or external id, is 404 exactly like an unknown one, and by e-mail, phone or external id the newest lead the caller sees is chosen.")
            .WithRequestExample(new RecordSignalsRequest
            {
                Items =
                [
                    new SignalRequest { Id = "evt-1001", Type = "page-view", LeadId = "01a2...", At = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero) },
                    new SignalRequest { Id = "evt-1002", Type = "email-click", Email = "anna@example.com" },
                ],
            })
            .Produces<RecordSignalsResponse>()
            .ProducesValidationProblem();
        return group;
    }

    private static async Task<IResult> RecordAsync(RecordSignalsRequest request, HttpContext http, UnitOfWork unit, ScoringRules rules, SignalGate gate, CancellationToken cancellationToken)
    {
        var items = request.Items ?? [];
        if (items.Count is 0 or > MaxBatch)
        {
            throw new RequestValidationException("items", $"1 to {MaxBatch} signals per request.");
        }

        var scope = IdempotentRequests.ScopeOf(http, IdempotencyScope);

        // One request of this process at a time reads, scores and commits: batches touch many of the same leads, and
        // running them side by side only makes them conflict and start again (the store has one writer anyway).
        // Another replica's request can still meet a changed lead: then this one runs again on fresh data.
        await gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                unit.Discard();
                var response = await RecordOnceAsync(items, scope, http.Caller(), unit, await rules.CurrentAsync(cancellationToken), cancellationToken);
                try
                {
                    await unit.CommitAsync(cancellationToken);
                    return Results.Ok(response);
                }
                catch (Exception ex) when (attempt < 5 && ex is ConcurrencyException or DuplicateKeyException)
                {
                    // Another writer changed one of these leads (or recorded one of these ids) meanwhile: again on fresh data.
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    internal static async Task<RecordSignalsResponse> RecordOnceAsync(IReadOnlyList<SignalRequest> items, string scope, CallerIdentity? caller, UnitOfWork unit, Crm.Contracts.Api.Leads.ScoringRuleSet rules, CancellationToken cancellationToken)
    {
        var now = unit.Now;
        var results = new SignalResult?[items.Count];
        var valid = new List<(int Index, SignalRequest Item, string Id)>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var errors = Validate(items[i], now);
            if (errors.IsEmpty)
            {
                valid.Add((i, items[i], SignalRecord.IdOf(scope, items[i].Id!)));
            }
            else
            {
                results[i] = new SignalResult { Index = i, Status = StatusCodes.Status400BadRequest, Errors = errors.ToDictionary() };
            }
        }

        var seen = (await unit.GetManyAsync(SignalCollections.Signals, valid.Select(v => v.Id), cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        var leads = (await unit.GetManyAsync(LeadCollections.Leads, valid.Where(v => v.Item.LeadId is not null).Select(v => v.Item.LeadId!), cancellationToken))
            .Where(l => Sees(caller, l))
            .ToDictionary(l => l.Id, StringComparer.Ordinal);
        var byIdentity = new Dictionary<string, Lead?>(StringComparer.Ordinal);
        var before = new Dictionary<string, Lead>(StringComparer.Ordinal);
        var touched = new Dictionary<string, Lead>(StringComparer.Ordinal);
        var interactions = new Dictionary<(string Lead, string Type), List<(string Id, DateTimeOffset At, int Count)>>();
        var inThisRequest = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (index, item, id) in valid)
        {
            if (seen.TryGetValue(id, out var earlier) || !inThisRequest.Add(id))
            {
                results[index] = new SignalResult { Index = index, Status = StatusCodes.Status200OK, LeadId = earlier?.LeadId ?? touched.Keys.FirstOrDefault() };
                continue;
            }

            var lead = await TargetAsync(item, caller, leads, byIdentity, unit, cancellationToken);
            if (lead is null)
            {
                results[index] = new SignalResult { Index = index, Status = StatusCodes.Status404NotFound };
                inThisRequest.Remove(id);
                continue;
            }

            lead = touched.GetValueOrDefault(lead.Id, lead);
            before.TryAdd(lead.Id, lead);
            var at = (item.At ?? now).ToUniversalTime().TruncateToMs();
            var count = item.Count ?? 1;
            touched[lead.Id] = lead with { Signals = LeadScoring.WithSignal(lead.Signals, item.Type!, at, count) };
            if (!interactions.TryGetValue((lead.Id, item.Type!), out var list))
            {
                interactions[(lead.Id, item.Type!)] = list = [];
            }

            list.Add((item.Id!, at, count));
            unit.Insert(SignalCollections.Signals, new SignalRecord { Id = id, LeadId = lead.Id, Type = item.Type!, At = at, Count = count, ReceivedAt = now });
            results[index] = new SignalResult { Index = index, Status = StatusCodes.Status202Accepted, LeadId = lead.Id };
        }

        var scores = new List<LeadScored>(touched.Count);
        foreach (var (id, changed) in touched)
        {
            var original = before[id];
            var rescored = (original.Status == LeadStatus.Open ? changed.Scored(rules, now) : changed) with { Version = original.Version + 1, UpdatedAt = now };
            unit.Replace(LeadCollections.Leads, rescored, original.Version);
            if (original.Status == LeadStatus.Open)
            {
                LeadScoring.Announce(unit, original, rescored, "signals", scores);
            }
        }

        LeadScoring.PublishBatch(unit, scores);

        var recorded = new List<Interaction>(interactions.Count);
        foreach (var ((leadId, type), list) in interactions)
        {
            var lead = touched[leadId];
            if (lead.ContactId is { } contactId)
            {
                recorded.Add(new Interaction
                {
                    LeadId = leadId,
                    ContactId = contactId,
                    Type = type,
                    Count = list.Sum(s => s.Count),
                    FirstAt = list.Min(s => s.At),
                    LastAt = list.Max(s => s.At),
                    SignalIds = [.. list.Select(s => s.Id)],
                    OwnerId = lead.OwnerId,
                });
            }
        }

        if (recorded.Count > 0)
        {
            unit.Publish(new InteractionRecorded { EventId = Ids.NewGuid(), OccurredAt = now, Interactions = recorded });
        }

        var final = results.Select(r => r!).ToList();
        return new RecordSignalsResponse
        {
            Recorded = final.Count(r => r.Status == StatusCodes.Status202Accepted),
            Duplicates = final.Count(r => r.Status == StatusCodes.Status200OK),
            Rejected = final.Count(r => r.Status >= 400),
            Results = final,
        };
    }

    /// <summary>Whether the caller may record signals on <paramref name="lead"/>: the ownership rule, as for reading it.</summary>
    private static bool Sees(CallerIdentity? caller, Lead lead) => caller?.Sees(lead.OwnerId, lead.OwnerTeamId) == true;

    /// <summary>
    /// The lead a signal names, among those the caller sees (<paramref name="leads"/> holds only those): by id, or the
    /// newest open (else newest) lead of the e-mail, phone or external id.
    /// </summary>
    private static async Task<Lead?> TargetAsync(SignalRequest item, CallerIdentity? caller, Dictionary<string, Lead> leads, Dictionary<string, Lead?> byIdentity, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (item.LeadId is { } leadId)
        {
            return leads.GetValueOrDefault(leadId);
        }

        var key = item.Email is { } email ? "e:" + email.Trim().ToLowerInvariant()
            : item.Phone is { } phone ? "p:" + phone.Trim()
            : "x:" + item.ExternalId!.Trim();
        if (!byIdentity.TryGetValue(key, out var lead))
        {
            var query = key[0] switch
            {
                'e' => LeadQueries.WithEmail(key[2..]),
                'p' => LeadQueries.WithPhone(key[2..]),
                _ => LeadQueries.WithExternalId(key[2..]),
            };
            var found = (await unit.FindAsync(query.Take(20), cancellationToken)).Where(l => Sees(caller, l)).ToList();
            lead = found.FirstOrDefault(l => l.Status == LeadStatus.Open) ?? (found.Count > 0 ? found[0] : null);
            byIdentity[key] = lead;
        }

        return lead;
    }

    private static ValidationErrors Validate(SignalRequest item, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(item.Id) || item.Id.Length > MaxId)
        {
            errors.Add("id", $"A signal id of 1 to {MaxId} characters is required (it makes the signal idempotent).");
        }

        if (item.Type is null || !Accepted.Contains(item.Type))
        {
            errors.Add("type", $"One of {string.Join(", ", Accepted)}.");
        }

        var targets = (item.LeadId is null ? 0 : 1) + (item.Email is null ? 0 : 1) + (item.Phone is null ? 0 : 1) + (item.ExternalId is null ? 0 : 1);
        if (targets != 1)
        {
            errors.Add("leadId", "Exactly one of leadId, email, phone and externalId names the lead.");
        }
        else if (item.LeadId is { Length: 0 or > 100 })
        {
            errors.Add("leadId", "1 to 100 characters.");
        }
        else if (item.Email is { } email && !CaptureLeadValidation.LooksLikeEmail(email.Trim()))
        {
            errors.Add("email", "The e-mail address is not valid.");
        }
        else if (item.Phone is { } phone && !IsE164(phone.Trim()))
        {
            errors.Add("phone", "A phone in E.164 (+ and 8 to 15 digits), as leads hold it.");
        }
        else if (item.ExternalId is { } externalId && externalId.Trim().Length is 0 or > CaptureLeadValidation.MaxExternalId)
        {
            errors.Add("externalId", $"1 to {CaptureLeadValidation.MaxExternalId} characters.");
        }

        if (item.At is { } at && (at > now.AddMinutes(5) || at < now.AddDays(-365)))
        {
            errors.Add("at", "Not more than 5 minutes ahead nor older than 365 days.");
        }

        if (item.Count is < 1 or > MaxCount)
        {
            errors.Add("count", $"1 to {MaxCount}.");
        }

        return errors;
    }

    private static bool IsE164(string phone) =>
        phone.Length is >= 9 and <= 16 && phone[0] == '+' && phone[1] != '0' && phone.Skip(1).All(char.IsAsciiDigit);
}

/// <summary>One signals request of this process at a time (see <c>SignalEndpoints.RecordAsync</c>).</summary>
public sealed class SignalGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Task WaitAsync(CancellationToken cancellationToken) => _gate.WaitAsync(cancellationToken);

    public void Release() => _gate.Release();

    public void Dispose() => _gate.Dispose();
}
