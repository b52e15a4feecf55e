using Crm.Contacts.Contacts;
using Xunit;

namespace Crm.Contacts.Tests.Contacts;

public sealed class ContactsOptionsTests
{
    [Theory]
    [InlineData("DE")]
    [InlineData("at")]
    [InlineData("US")]
    public void A_known_region_is_accepted(string region)
    {
        new ContactsOptions { DefaultRegion = region }.Validate();
    }

    [Theory]
    [InlineData("ZZ")]
    [InlineData("")]
    [InlineData("Germany")]
    public void An_unknown_region_stops_the_start(string region)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ContactsOptions { DefaultRegion = region }.Validate());

        Assert.Contains("Contacts:DefaultRegion", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_region_is_Germany()
    {
        Assert.Equal("DE", new ContactsOptions().DefaultRegion);
    }
}
