using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Messaging;
using Crm.Testing;
using Xunit;

namespace Crm.Assignment.Tests;

/// <summary>Assignment's collections and queries rendered for SQLite (with its plan) and MongoDB: see <c>queries.approved.md</c>.</summary>
public sealed class QueryCatalogTests
{
    [Fact]
    public Task Every_query_renders_on_both_backends() =>
        QueryCatalog.VerifyAsync(
            "queries.approved.md",
            [.. AssignmentCollections.All, ContactMergeLog.Collection],
            [typeof(AssignmentQueries)],
            new Dictionary<Type, object>
            {
                [typeof(Rep)] = new Rep
                {
                    Id = "rep-1",
                    Name = "Ann",
                    Capacity = 5,
                    Active = true,
                    OpenLeads = 2,
                    CreatedAt = DateTimeOffset.UnixEpoch,
                    UpdatedBy = new Actor { Kind = Actor.PersonKind, Id = "ada", Name = "Ada Admin", Role = "admin" },
                    Version = 3,
                },
            });
}
