using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>The list's filters (<c>GET /api/contacts</c>), already normalised.</summary>
public sealed record ContactFilter
{
    /// <summary>
    /// <c>q</c>: the contacts whose identity matched exactly (<see cref="SearchIds"/>, found through
    /// <c>contact_identities</c>) or whose name starts with <see cref="NamePrefix"/>.
    /// </summary>
    public IReadOnlyList<string>? SearchIds { get; init; }
    /// <summary>A <see cref="Profile.ProfileValues.NameKey"/> prefix.</summary>
    public string? NamePrefix { get; init; }
    public string? Tag { get; init; }
    public LifecycleStage? LifecycleStage { get; init; }
    public string? Country { get; init; }
    public DateTimeOffset? CreatedFrom { get; init; }
    public DateTimeOffset? CreatedTo { get; init; }
    /// <summary>Only these contacts (the ones a rep or team lead sees); null: no such limit.</summary>
    public IReadOnlyList<string>? VisibleIds { get; init; }
}

/// <summary>Every query Contacts runs on its contacts and identities, written once (rendered for both stores in the tests' query catalog).</summary>
public static class ContactQueries
{
    /// <summary>How many identities a search by value reads at most.</summary>
    public const int MaxSearchMatches = 100;

    /// <summary>
    /// The list, newest first (createdAt descending, then id): every given filter. Index <c>created</c> serves the order;
    /// <c>country_created</c> and <c>stage_created</c> the most used filters with it; <c>name_key</c> the name prefix (a
    /// range on the normalised name); the ids of an identity match and of a person's visible contacts are id lookups.
    /// The tag is an array membership test on the candidates (no index on SQLite).
    /// </summary>
    public static Query<Contact> List(ContactFilter filter)
    {
        var where = Filter<Contact>.All;
        if (filter.SearchIds is not null || filter.NamePrefix is not null)
        {
            var search = Filter<Contact>.In(x => x.Id, filter.SearchIds ?? []);
            if (filter.NamePrefix is { Length: > 0 } prefix)
            {
                search |= Filter<Contact>.Gte(x => x.NameKey, prefix) & Filter<Contact>.Lt(x => x.NameKey, prefix + '\uffff');
            }

            where &= search;
        }

        if (filter.VisibleIds is { } visible)
        {
            where &= Filter<Contact>.In(x => x.Id, visible);
        }

        if (filter.Tag is { } tag)
        {
            where &= Filter<Contact>.Contains(x => x.Tags, tag);
        }

        if (filter.LifecycleStage is { } stage)
        {
            // Contacts stored before the profile existed have no stage: they are leads.
            where &= stage == LifecycleStage.Lead
                ? Filter<Contact>.Eq(x => x.LifecycleStage, stage) | Filter<Contact>.Missing(x => x.LifecycleStage)
                : Filter<Contact>.Eq(x => x.LifecycleStage, stage);
        }

        if (filter.Country is { } country)
        {
            where &= Filter<Contact>.Eq(x => x.Country, country);
        }

        if (filter.CreatedFrom is { } from)
        {
            where &= Filter<Contact>.Gte(x => x.CreatedAt, from);
        }

        if (filter.CreatedTo is { } to)
        {
            where &= Filter<Contact>.Lt(x => x.CreatedAt, to);
        }

        return ContactCollections.Contacts.Find(where).OrderByDescending(x => x.CreatedAt);
    }

    /// <summary>The identities whose normalised value is one of <paramref name="values"/> (any kind); index <c>value</c>.</summary>
    public static Query<IdentityOwner> IdentitiesWithValue(IReadOnlyList<string> values) =>
        ContactCollections.Identities.Find(Filter<IdentityOwner>.In(x => x.Value, values)).Take(MaxSearchMatches);
}
