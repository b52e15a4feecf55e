using Crm.Leads;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Leads.Tests;

/// <summary>Every /api endpoint of Leads × every kind of identity (see <see cref="ServiceSecurityMatrix"/>).</summary>
public sealed class ApiSecurityTests(LeadsApiFactory factory, ITestOutputHelper output) : IClassFixture<LeadsApiFactory>
{
    [Fact]
    public async Task Only_a_gateway_signed_identity_with_the_endpoints_scope_passes()
    {
        var lines = await ServiceSecurityMatrix.RunAsync(factory);

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }
}
