using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Timeline;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests;

/// <summary>The Contacts store's collections and queries rendered for SQLite (with its plan) and MongoDB: see <c>queries.approved.md</c>.</summary>
public sealed class QueryCatalogTests
{
    [Fact]
    public Task Every_query_renders_on_both_backends() =>
        QueryCatalog.VerifyAsync(
            "queries.approved.md",
            [ContactCollections.Contacts, ContactCollections.Identities, TimelineCollections.Timeline, ConsentCollections.Consents, ConsentCollections.Ledger],
            [typeof(TimelineQueries), typeof(ConsentQueries)]);
}
