using Crm.Messaging;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Messaging.Tests;

/// <summary>Every /api endpoint of Messaging × every kind of identity (see <see cref="ServiceSecurityMatrix"/>).</summary>
public sealed class ApiSecurityTests(MessagingApiFactory factory, ITestOutputHelper output) : IClassFixture<MessagingApiFactory>
{
    [Fact]
    public async Task Only_a_gateway_signed_identity_with_the_endpoints_scope_passes()
    {
        // Unfiltered, the list is an export that needs messaging:admin (tested in MessagingApiTests).
        var lines = await ServiceSecurityMatrix.RunAsync(factory, new Dictionary<string, string>
        {
            ["GET /api/messaging/messages"] = "contactId=matrix",
        });

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }
}
