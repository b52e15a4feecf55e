using Crm.Leads;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Leads.Tests;

/// <summary>
/// Every /api endpoint of Leads × every kind of identity and role (see <see cref="ServiceSecurityMatrix"/>), and a lead
/// owned by a rep: another rep gets 404 for it and an empty list.
/// </summary>
public sealed class ApiSecurityTests(LeadsApiFactory factory, ITestOutputHelper output) : IClassFixture<LeadsApiFactory>
{
    private const string Owner = "matrix-owner", OwnerTeam = "matrix-owner-team";

    [Fact]
    public async Task Only_a_gateway_signed_identity_with_the_endpoints_scope_passes()
    {
        var lead = await factory.AssignedLeadAsync(Owner, OwnerTeam);

        var lines = await ServiceSecurityMatrix.RunAsync(factory, owned:
        [
            new("GET /api/leads/{id}", $"/api/leads/{lead.Id}", Owner, OwnerTeam),
            new("GET /api/leads", "/api/leads", Owner, OwnerTeam),
        ]);

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }
}
