using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Leads;

/// <summary>The list's filters and sorts (<c>GET /api/leads</c>).</summary>
public sealed record LeadFilter
{
    public string? Stage { get; init; }
    public string? Pipeline { get; init; }
    public LeadStatus? Status { get; init; }
    public Grade? Grade { get; init; }
    public string? Owner { get; init; }
    public string? Team { get; init; }
    public string? Source { get; init; }
    public Channel? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? ContactId { get; init; }
    public DateTimeOffset? CreatedFrom { get; init; }
    public DateTimeOffset? CreatedTo { get; init; }
    public int? ScoreMin { get; init; }
    public int? ScoreMax { get; init; }
    /// <summary><c>-capturedAt</c> (newest first, the default), <c>capturedAt</c> (oldest first: by age), <c>-score</c>, <c>score</c>.</summary>
    public string Sort { get; init; } = "-capturedAt";
}

/// <summary>Every query Leads runs on its leads, written once (rendered for both stores in the tests' query catalog).</summary>
public static class LeadQueries
{
    public static readonly IReadOnlyList<string> Sorts = ["-capturedAt", "capturedAt", "-score", "score"];

    /// <summary>The open lead of a contact in a pipeline (by the unique open key).</summary>
    public static Query<Lead> OpenLeadOf(string contactId, string pipelineId) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.OpenKey, Lead.OpenKeyOf(contactId, pipelineId, LeadStatus.Open))).Take(1);

    /// <summary>Open leads in a stage of a pipeline (a stage that holds some cannot be removed).</summary>
    public static Query<Lead> OpenIn(string pipelineId, string stage) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.PipelineId, pipelineId) & Filter<Lead>.Eq(x => x.Stage, stage) & Filter<Lead>.Eq(x => x.Status, LeadStatus.Open));

    /// <summary>Open leads after <paramref name="afterId"/> in id order (a rescore's next chunk).</summary>
    public static Query<Lead> OpenAfter(string afterId, int limit) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.Status, LeadStatus.Open) & Filter<Lead>.Gt(x => x.Id, afterId)).OrderBy(x => x.Id).Take(limit);

    /// <summary>Open leads (a rescore job's total).</summary>
    public static Query<Lead> Open() => LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.Status, LeadStatus.Open));

    /// <summary>A contact's leads, newest first.</summary>
    public static Query<Lead> OfContact(string contactId) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.ContactId, contactId)).OrderByDescending(x => x.CapturedAt);

    /// <summary>A contact's open leads (at most one per pipeline with the one-open rule; a merge may leave more), index <c>contact</c>.</summary>
    public static Query<Lead> OpenOfContact(string contactId) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.ContactId, contactId) & Filter<Lead>.Eq(x => x.Status, LeadStatus.Open))
            .OrderByDescending(x => x.CapturedAt).Take(MaxOpenRekeyed);

    /// <summary>How many open leads of one contact a merge or un-merge re-keys one by one (their open key moves); the rest move set-based.</summary>
    public const int MaxOpenRekeyed = 200;

    /// <summary>The open leads a merge moved from <paramref name="restoredId"/> to <paramref name="survivorId"/>; index <c>contact</c>.</summary>
    public static Query<Lead> OpenMovedBy(string mergeId, string survivorId, string restoredId) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.ContactId, survivorId) & Filter<Lead>.Eq(x => x.MergeId, mergeId)
                & Filter<Lead>.Eq(x => x.MergedFromContactId, restoredId) & Filter<Lead>.Eq(x => x.Status, LeadStatus.Open))
            .OrderByDescending(x => x.CapturedAt).Take(MaxOpenRekeyed);

    /// <summary>Every (remaining) lead of <paramref name="from"/> moved to <paramref name="to"/>, marked with the merge; index <c>contact</c>.</summary>
    public static WriteOperation MoveToSurvivor(string mergeId, string from, string to, DateTimeOffset now) =>
        Write.Update(
            LeadCollections.Leads,
            Filter<Lead>.Eq(x => x.ContactId, from),
            new Update<Lead>().Set(x => x.ContactId, to).Set(x => x.MergedFromContactId, from).Set(x => x.MergeId, mergeId).Set(x => x.UpdatedAt, now).Inc(x => x.Version, 1L),
            expectOne: false);

    /// <summary>Every (remaining) lead <paramref name="mergeId"/> moved from <paramref name="restoredId"/>, moved back; index <c>contact</c>.</summary>
    public static WriteOperation MoveBack(string mergeId, string survivorId, string restoredId, DateTimeOffset now) =>
        Write.Update(
            LeadCollections.Leads,
            Filter<Lead>.Eq(x => x.ContactId, survivorId) & Filter<Lead>.Eq(x => x.MergeId, mergeId) & Filter<Lead>.Eq(x => x.MergedFromContactId, restoredId),
            new Update<Lead>().Set(x => x.ContactId, restoredId).Unset(x => x.MergedFromContactId).Unset(x => x.MergeId).Set(x => x.UpdatedAt, now).Inc(x => x.Version, 1L),
            expectOne: false);

    /// <summary>Leads captured with this (normalised) e-mail, newest first.</summary>
    public static Query<Lead> WithEmail(string email) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.Email, email)).OrderByDescending(x => x.CapturedAt);

    /// <summary>Leads captured with this E.164 phone, newest first.</summary>
    public static Query<Lead> WithPhone(string phone) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.Phone, phone)).OrderByDescending(x => x.CapturedAt);

    /// <summary>Leads captured with this external id (the sender's id of the person), newest first.</summary>
    public static Query<Lead> WithExternalId(string externalId) =>
        LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.ExternalId, externalId)).OrderByDescending(x => x.CapturedAt);

    /// <summary>The list: every given filter, in the given sort (id last).</summary>
    public static Query<Lead> List(LeadFilter filter)
    {
        var where = Filter<Lead>.All;
        if (filter.Pipeline is { } pipeline)
        {
            where &= Filter<Lead>.Eq(x => x.PipelineId, pipeline);
        }

        if (filter.Stage is { } stage)
        {
            where &= Filter<Lead>.Eq(x => x.Stage, stage);
        }

        if (filter.Status is { } status)
        {
            where &= Filter<Lead>.Eq(x => x.Status, status);
        }

        if (filter.Grade is { } grade)
        {
            where &= Filter<Lead>.Eq(x => x.Grade, grade);
        }

        if (filter.Owner is { } owner)
        {
            where &= Filter<Lead>.Eq(x => x.OwnerId, owner);
        }

        if (filter.Team is { } team)
        {
            where &= Filter<Lead>.Eq(x => x.OwnerTeamId, team);
        }

        if (filter.Source is { } source)
        {
            where &= Filter<Lead>.Eq(x => x.Source, source);
        }

        if (filter.Channel is { } channel)
        {
            where &= Filter<Lead>.Eq(x => x.Channel, channel);
        }

        if (filter.Campaign is { } campaign)
        {
            where &= Filter<Lead>.Eq(x => x.Campaign, campaign);
        }

        if (filter.ContactId is { } contact)
        {
            where &= Filter<Lead>.Eq(x => x.ContactId, contact);
        }

        if (filter.CreatedFrom is { } from)
        {
            where &= Filter<Lead>.Gte(x => x.CapturedAt, from);
        }

        if (filter.CreatedTo is { } to)
        {
            where &= Filter<Lead>.Lt(x => x.CapturedAt, to);
        }

        if (filter.ScoreMin is { } min)
        {
            where &= Filter<Lead>.Gte(x => x.Score, min);
        }

        if (filter.ScoreMax is { } max)
        {
            where &= Filter<Lead>.Lte(x => x.Score, max);
        }

        var query = LeadCollections.Leads.Find(where);
        return filter.Sort switch
        {
            "capturedAt" => query.OrderBy(x => x.CapturedAt),
            "-score" => query.OrderByDescending(x => x.Score),
            "score" => query.OrderBy(x => x.Score),
            _ => query.OrderByDescending(x => x.CapturedAt),
        };
    }
}
