using Crm.Assignment;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Assignment.Tests.Api;

/// <summary>
/// Every /api endpoint of Assignment × every kind of identity and role (see <see cref="ServiceSecurityMatrix"/>), and
/// a lead assigned to a rep: another rep gets 404 for the rep's work queue and for the lead's assignment.
/// </summary>
public sealed class ApiSecurityTests(CrmServiceFactory<AssignmentEntryPoint> factory, ITestOutputHelper output) : IClassFixture<CrmServiceFactory<AssignmentEntryPoint>>
{
    [Fact]
    public async Task Only_a_gateway_signed_identity_with_the_endpoints_scope_passes()
    {
        using var admin = factory.CreateClient();
        var rep = await admin.CreateRepAsync("Matrix Owner", 10);
        var scored = ApiHelpers.Scored("hot", 40);
        await factory.Harness.Bus.Publish(scored);
        var assigned = await ApiHelpers.AssignedAsync(factory, scored.LeadId);
        Assert.Equal(rep.Id, assigned.RepId);

        var lines = await ServiceSecurityMatrix.RunAsync(
            factory,
            owned:
            [
                new("GET /api/assignment/reps/{id}/queue", $"/api/assignment/reps/{rep.Id}/queue", rep.Id, assigned.TeamId),
                new("GET /api/assignment/leads/{leadId}", $"/api/assignment/leads/{scored.LeadId}", rep.Id, assigned.TeamId),
            ]);

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }
}
