using Crm.Contacts.Duplicates;
using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Erasure;
using Crm.Contacts.Import;
using Crm.Contacts.Merge;
using Crm.Contacts.Orders;
using Crm.Contacts.Segments;
using Crm.Contacts.Ownership;
using Crm.Contacts.Profile;
using Crm.Contacts.Timeline;
using Crm.Contracts.Api.Contacts;
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
            [ContactCollections.Contacts, ContactCollections.Identities, TimelineCollections.Timeline, OwnershipCollections.Owners, FieldDefinitionCollections.Definitions, ConsentCollections.Consents, ConsentCollections.Ledger, .. OrderCollections.All, .. ErasureCollections.All, .. DuplicateCollections.All, .. ImportCollections.All, .. SegmentCollections.All, .. MergeCollections.All],
            [typeof(ContactQueries), typeof(OwnershipQueries), typeof(TimelineQueries), typeof(OrderQueries), typeof(ConsentQueries), typeof(DuplicateQueries), typeof(ImportQueries), typeof(SegmentQueries), typeof(MergeQueries)],
            new Dictionary<Type, object>
            {
                // A search (identity matches or a name prefix) with the filters a list combines.
                [typeof(double)] = 0.65,
                [typeof(ContactFilter)] = new ContactFilter { SearchIds = ["contact-1", "contact-2"], NamePrefix = "anna sch", LifecycleStage = LifecycleStage.Lead, Country = "DE", Tag = "vip" },
            });
}
