using Crm.Analytics;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Analytics.Tests;

/// <summary>Every /api endpoint of Analytics × every kind of identity (see <see cref="ServiceSecurityMatrix"/>).</summary>
public sealed class ApiSecurityTests(AnalyticsApiFactory factory, ITestOutputHelper output) : IClassFixture<AnalyticsApiFactory>
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
