using Crm.Assignment;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Assignment.Tests.Api;

/// <summary>Every /api endpoint of Assignment × every kind of identity (see <see cref="ServiceSecurityMatrix"/>).</summary>
public sealed class ApiSecurityTests(CrmServiceFactory<AssignmentEntryPoint> factory, ITestOutputHelper output) : IClassFixture<CrmServiceFactory<AssignmentEntryPoint>>
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
