using Crm.Contacts;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Contacts.Tests.Api;

/// <summary>Every /api endpoint of Contacts × every kind of identity (see <see cref="ServiceSecurityMatrix"/>).</summary>
public sealed class ApiSecurityTests(CrmServiceFactory<ContactsEntryPoint> factory, ITestOutputHelper output) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>
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
