using Crm.Contacts;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Contacts.Tests.Api;

/// <summary>
/// Every /api endpoint of Contacts × every kind of identity and role (see <see cref="ServiceSecurityMatrix"/>), and a
/// contact whose lead a rep owns: another rep gets 404 for it and an empty list.
/// </summary>
public sealed class ApiSecurityTests(CrmServiceFactory<ContactsEntryPoint> factory, ITestOutputHelper output) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>
{
    private const string Owner = "matrix-owner", OwnerTeam = "matrix-owner-team";

    /// <summary>
    /// Reads that span every contact (the duplicate review, imports): 403 for reps and team leads by the endpoints' own
    /// rule, although contacts:read is theirs.
    /// </summary>
    private static readonly HashSet<string> OnlyForWhoSeesEverything = new(StringComparer.Ordinal)
    {
        "GET /api/contacts/duplicates",
        "GET /api/contacts/imports",
        "GET /api/contacts/imports/{id}",
        "GET /api/contacts/imports/{id}/errors",
    };

    [Fact]
    public async Task Only_a_gateway_signed_identity_with_the_endpoints_scope_passes()
    {
        using var api = new ContactApi(factory);
        var contact = await api.NewContactAsync("Owned");
        await api.AssignAsync(contact, Owner, OwnerTeam);

        var lines = await ServiceSecurityMatrix.RunAsync(
            factory,
            owned:
            [
                new("GET /api/contacts/{id}", $"/api/contacts/{contact}", Owner, OwnerTeam),
                new("GET /api/contacts", "/api/contacts", Owner, OwnerTeam),
            ],
            onlyForWhoSeesEverything: OnlyForWhoSeesEverything);

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }
}
