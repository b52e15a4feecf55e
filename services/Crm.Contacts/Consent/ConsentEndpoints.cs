using System.Text.RegularExpressions;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Contacts.Consent;

/// <summary>
/// <c>GET</c> and <c>POST /api/contacts/{id}/consent</c>: a contact's consent per channel and do-not-contact, with the
/// ledger of every change. Granting and withdrawing are the same call (a status per channel); reading needs
/// <c>contacts:read</c>, changing <c>contacts:write</c>; either sees only a contact the caller may see (as
/// <c>GET /api/contacts/{id}</c>: a rep their own contacts, others are 404).
/// </summary>
public static partial class ConsentEndpoints
{
    public const int MaxWording = 2000;
    public const int MaxWordingVersion = 100;
    public const int MaxReason = 500;

    public static RouteGroupBuilder MapConsentEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/consent", GetAsync)
            .WithName("GetContactConsent")
            .WithSummary("Get a contact's consent and its ledger")
            .WithDescription(
                "The consent per channel (`email`, `sms`, `whatsapp`, `phone`: `granted` or `withdrawn` with legal basis, source, " +
                "wording, time and who recorded it; a channel not listed is unknown), the global `doNotContact` flag, and the " +
                "ledger of every change, newest first, one page at a time (`limit` 1..500, default 50; `cursor` from " +
                "`ledger.nextCursor`). Messages follow the rule: do-not-contact blocks every message; a withdrawn channel " +
                "blocks every message on it; marketing needs the channel granted; a service message answering the person's " +
                "own request (the welcome e-mail) may go while the channel is unknown.")
            .WithParameterDescription("id", "The contact's id.")
            .WithParameterDescription("limit", "Ledger entries per page, 1..500 (default 50).")
            .WithParameterDescription("cursor", "The ledger's `nextCursor` of the previous page.")
            .Produces<ConsentResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/consent", ChangeAsync)
            .WithName("ChangeContactConsent")
            .WithSummary("Grant or withdraw consent, set or clear do-not-contact")
            .WithDescription(
                "Records one or several channels' consent (`status` `granted` or `withdrawn`: withdrawing is the same call as " +
                "granting) and/or the global do-not-contact flag (`doNotContact.active` `true` sets it, `false` clears it), " +
                "all in one commit. Each entry is kept in the contact's ledger for good (with the time and the caller) and " +
                "announced as a `ConsentChanged` event. To grant, `legalBasis` is required, and on the basis `consent` the " +
                "`wording` or its `wordingVersion` (the evidence of what the person agreed to). A 400 names every bad field " +
                "at once; unknown fields are rejected. The answer is the consent after the change, with the ledger's first page. " +
                "A change that forbids sending (a withdrawal, do-not-contact set) commits only after the messages being handed " +
                "to a provider for the contact at that moment went (each holds the contact for at most `Contacts:SendHoldLease`, " +
                "30 s by default), and no new one starts meanwhile: once it answered, no message goes against it. A 503 when " +
                "those sends did not end in time (nothing was changed).")
            .WithParameterDescription("id", "The contact's id.")
            .WithRequestExample(new ChangeConsentRequest
            {
                Channels =
                [
                    new ChannelConsentChange
                    {
                        Channel = ConsentChannels.Email,
                        Status = ConsentStatus.Granted,
                        LegalBasis = "consent",
                        Source = "web-form",
                        Wording = "Yes, send me news and offers by e-mail. I can unsubscribe at any time.",
                        WordingVersion = "newsletter-2026-11",
                    },
                ],
            })
            .Produces<ConsentResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<IResult> GetAsync(string id, [FromQuery] string? limit, [FromQuery] string? cursor, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var query = Paging.StartAfter(ConsentQueries.LedgerNewestFirst(id), cursor, errors);
        errors.ThrowIfAny();
        if (await ContactAccess.VisibleContactAsync(store, http, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var state = await store.GetAsync(ConsentCollections.Consents, id, cancellationToken);
        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(ToResponse(id, state, page));
    }

    private static async Task<IResult> ChangeAsync(string id, ChangeConsentRequest request, HttpContext http, UnitOfWork unit, SendFences fences, CancellationToken cancellationToken)
    {
        var changes = Validate(request);
        if (await ContactAccess.VisibleContactAsync(unit.Store, http, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var by = http.Actor();
        // The first change of a contact inserts its document: a concurrent first change fails on the id, and runs again.
        async Task<ContactConsent> ChangeWork()
        {
            var stored = await unit.GetAsync(ConsentCollections.Consents, id, cancellationToken);
            var state = stored ?? ContactConsent.Empty(id);
            foreach (var change in changes)
            {
                var entry = change.ToEntry(id, Ids.New(), Ids.NewGuid(), unit.Now, by);
                state = ConsentRules.Apply(state, entry);
                unit.Insert(ConsentCollections.Ledger, entry);
                unit.Publish(new ConsentChanged
                {
                    EventId = entry.EventId,
                    OccurredAt = entry.At,
                    ContactId = id,
                    Channel = entry.Channel,
                    Status = entry.Status,
                    LegalBasis = entry.LegalBasis,
                    Source = entry.Source,
                    WordingVersion = entry.WordingVersion,
                    DoNotContact = state.IsDoNotContact,
                    Version = state.Version,
                    By = by,
                });
            }

            unit.Save(ConsentCollections.Consents, state, stored);
            return state;
        }

        // A change that forbids sending commits behind the closed send fence: no message handed over after it committed.
        var (closes, closedChannel) = SendFenceRules.ClosingOf(changes.Select(c => (c.Channel, c.Status, c.DoNotContact)));
        ContactConsent saved;
        try
        {
            saved = closes
                ? await fences.CommitClosedAsync(id, closedChannel, ChangeWork, ConsentCollections.Consents, cancellationToken)
                : await unit.RunAsync(ChangeWork, attempts: UnitOfWorkEndpointFilter.MaxAttempts, raceOn: ConsentCollections.Consents, cancellationToken: cancellationToken);
        }
        catch (TimeoutException ex)
        {
            return Unavailable.Problem("Sends in flight did not end.", ex.Message);
        }

        var page = await unit.Store.PageAsync(ConsentQueries.LedgerNewestFirst(id), Paging.DefaultLimit, cancellationToken);
        return Results.Ok(ToResponse(id, saved, page));
    }

    /// <summary>The request as changes in the order given (channels, then do-not-contact); throws a 400 naming every bad field.</summary>
    internal static IReadOnlyList<ConsentChangeCommand> Validate(ChangeConsentRequest request)
    {
        var errors = new ValidationErrors();
        var changes = new List<ConsentChangeCommand>();
        var channels = request.Channels ?? [];
        if (channels.Count == 0 && request.DoNotContact is null)
        {
            errors.Add("channels", "Give at least one channel's consent, or doNotContact.");
        }

        if (channels.Count > ConsentChannels.All.Count)
        {
            errors.Add("channels", $"At most {ConsentChannels.All.Count} entries, one per channel.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < channels.Count; i++)
        {
            var path = $"channels[{i}]";
            if (channels[i] is not { } entry)
            {
                errors.Add(path, "An object is required.");
                continue;
            }

            var channel = Trimmed(entry.Channel);
            if (channel is null || !ConsentChannels.All.Contains(channel))
            {
                errors.Add($"{path}.channel", $"Required: one of {string.Join(", ", ConsentChannels.All)}.");
            }
            else if (!seen.Add(channel))
            {
                errors.Add($"{path}.channel", $"'{channel}' is given twice.");
            }

            var status = Trimmed(entry.Status);
            if (status is null || !ConsentStatus.All.Contains(status))
            {
                errors.Add($"{path}.status", $"Required: one of {string.Join(", ", ConsentStatus.All)}.");
            }

            var legalBasis = Trimmed(entry.LegalBasis);
            if (legalBasis is not null && !ConsentRules.LegalBases.Contains(legalBasis))
            {
                errors.Add($"{path}.legalBasis", $"One of {string.Join(", ", ConsentRules.LegalBases)}.");
            }
            else if (legalBasis is null && status == ConsentStatus.Granted)
            {
                errors.Add($"{path}.legalBasis", $"Required to grant: one of {string.Join(", ", ConsentRules.LegalBases)}.");
            }

            var source = CheckSource(entry.Source, $"{path}.source", errors);
            var wording = CheckLength(entry.Wording, MaxWording, $"{path}.wording", errors);
            var wordingVersion = CheckLength(entry.WordingVersion, MaxWordingVersion, $"{path}.wordingVersion", errors);
            if (status == ConsentStatus.Granted && legalBasis == "consent" && Trimmed(entry.Wording) is null && Trimmed(entry.WordingVersion) is null)
            {
                errors.Add($"{path}.wording", "To grant on the basis 'consent', the wording or its wordingVersion is required (the evidence of what was agreed to).");
            }

            changes.Add(new ConsentChangeCommand(channel, status, null, legalBasis, source ?? "", wording, wordingVersion, null));
        }

        if (request.DoNotContact is { } flag)
        {
            if (flag.Active is null)
            {
                errors.Add("doNotContact.active", "Required: true sets do-not-contact, false clears it.");
            }

            var source = CheckSource(flag.Source, "doNotContact.source", errors);
            var reason = CheckLength(flag.Reason, MaxReason, "doNotContact.reason", errors);
            changes.Add(new ConsentChangeCommand(null, null, flag.Active, null, source ?? "", null, null, reason));
        }

        errors.ThrowIfAny();
        return changes;
    }

    private static string? CheckSource(string? value, string field, ValidationErrors errors)
    {
        var source = Trimmed(value);
        if (source is null || !SourcePattern().IsMatch(source))
        {
            errors.Add(field, "Required: lower-case letters, digits and '-', at most 50 characters (web-form, pos, api, import...).");
            return null;
        }

        return source;
    }

    private static string? CheckLength(string? value, int max, string field, ValidationErrors errors)
    {
        var text = Trimmed(value);
        if (text is not null && text.Length > max)
        {
            errors.Add(field, $"At most {max} characters.");
        }

        return text;
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex SourcePattern();

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Contact not found.", detail: $"No contact has the id '{id}'.");

    private static ConsentResponse ToResponse(string contactId, ContactConsent? state, DocumentPage<ConsentLedgerEntry> page) => new()
    {
        ContactId = contactId,
        Version = state?.Version ?? 0,
        DoNotContact = state?.DoNotContact is { } flag
            ? new DoNotContactState { Active = flag.Active, Reason = flag.Reason, Source = flag.Source, At = flag.At, By = flag.By }
            : new DoNotContactState { Active = false },
        Channels = [.. (state?.Channels ?? []).Select(c => new ChannelConsentState
        {
            Channel = c.Channel,
            Status = c.Status,
            LegalBasis = c.LegalBasis,
            Source = c.Source,
            Wording = c.Wording,
            WordingVersion = c.WordingVersion,
            At = c.At,
            By = c.By,
        })],
        Ledger = new Page<ConsentLedgerEntryResponse>
        {
            Items = [.. page.Items.Select(e => new ConsentLedgerEntryResponse
            {
                Id = e.Id,
                Channel = e.Channel,
                Status = e.Status,
                DoNotContact = e.DoNotContact,
                LegalBasis = e.LegalBasis,
                Source = e.Source,
                Wording = e.Wording,
                WordingVersion = e.WordingVersion,
                Reason = e.Reason,
                At = e.At,
                By = e.By,
            })],
            NextCursor = page.NextCursor,
        },
    };
}

/// <summary>One validated change of a request: a channel's (<see cref="Channel"/>, <see cref="Status"/>) or do-not-contact's (<see cref="DoNotContact"/>).</summary>
internal sealed record ConsentChangeCommand(string? Channel, string? Status, bool? DoNotContact, string? LegalBasis, string Source, string? Wording, string? WordingVersion, string? Reason)
{
    public ConsentLedgerEntry ToEntry(string contactId, string id, Guid eventId, DateTimeOffset at, Crm.Contracts.Audit.Actor by) => new()
    {
        Id = id,
        ContactId = contactId,
        Channel = Channel,
        Status = Status,
        DoNotContact = Channel is null ? DoNotContact == true : null,
        LegalBasis = LegalBasis,
        Source = Source,
        Wording = Wording,
        WordingVersion = WordingVersion,
        Reason = Reason,
        At = at,
        By = by,
        EventId = eventId,
    };
}
