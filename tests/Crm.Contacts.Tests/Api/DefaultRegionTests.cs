using Crm.Contacts.Grpc;
using Crm.Testing;
using Grpc.Net.Client;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>The service reading <c>Contacts:DefaultRegion</c> from its configuration.</summary>
public sealed class AustrianContactsFactory : CrmServiceFactory<ContactsEntryPoint>
{
    public AustrianContactsFactory() => Settings["Contacts:DefaultRegion"] = "AT";
}

public sealed class DefaultRegionTests(AustrianContactsFactory factory) : IClassFixture<AustrianContactsFactory>
{
    [Fact]
    public async Task National_numbers_are_read_in_the_configured_region_unless_the_request_names_one()
    {
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });
        var client = new ContactDirectory.ContactDirectoryClient(channel);

        var austrian = await client.ResolveContactAsync(new ResolveContactRequest { Phone = "01 5880000" });
        var german = await client.ResolveContactAsync(new ResolveContactRequest { Phone = "030 1234567", DefaultRegion = "DE" });

        Assert.Equal("+4315880000", austrian.NormalizedPhone);
        Assert.Equal("+49301234567", german.NormalizedPhone);
    }

    [Fact]
    public async Task CheckIdentities_reads_national_numbers_in_the_configured_region_unless_the_request_names_one()
    {
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });
        var client = new ContactDirectory.ContactDirectoryClient(channel);

        var austrian = await client.CheckIdentitiesAsync(new CheckIdentitiesRequest { Phone = "01 5880000" });
        var german = await client.CheckIdentitiesAsync(new CheckIdentitiesRequest { Phone = "030 1234567", DefaultRegion = "DE" });

        Assert.Equal("+4315880000", austrian.NormalizedPhone);
        Assert.Equal("+49301234567", german.NormalizedPhone);
    }
}
