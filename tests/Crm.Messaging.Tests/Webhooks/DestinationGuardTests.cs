using System.Net;
using Crm.Messaging.Webhooks;
using Xunit;

namespace Crm.Messaging.Tests.Webhooks;

/// <summary>The SSRF rule, pure: which URLs and addresses a subscription may reach.</summary>
public sealed class DestinationGuardTests
{
    private static readonly IReadOnlyList<AllowedDestination> None = [];

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.0.0.5")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.254")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    public void Loopback_private_link_local_multicast_and_unspecified_addresses_are_refused(string address)
    {
        var reason = DestinationGuard.CheckAddress("hooks.example.com", IPAddress.Parse(address), None);

        Assert.NotNull(reason);
        Assert.Contains("not a public address", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700::1111")]
    public void Public_addresses_pass(string address) =>
        Assert.Null(DestinationGuard.CheckAddress("hooks.example.com", IPAddress.Parse(address), None));

    [Fact]
    public void The_allow_list_admits_an_address_a_range_or_a_host_name()
    {
        var allowed = DestinationGuard.ParseAll(["127.0.0.1", "10.1.0.0/16", "hooks.internal"]);

        Assert.Null(DestinationGuard.CheckAddress("x", IPAddress.Parse("127.0.0.1"), allowed));
        Assert.Null(DestinationGuard.CheckAddress("x", IPAddress.Parse("::ffff:127.0.0.1"), allowed));
        Assert.NotNull(DestinationGuard.CheckAddress("x", IPAddress.Parse("127.0.0.2"), allowed));
        Assert.Null(DestinationGuard.CheckAddress("x", IPAddress.Parse("10.1.200.3"), allowed));
        Assert.NotNull(DestinationGuard.CheckAddress("x", IPAddress.Parse("10.2.0.1"), allowed));
        Assert.Null(DestinationGuard.CheckAddress("HOOKS.internal", IPAddress.Parse("192.168.0.9"), allowed));
        Assert.NotNull(DestinationGuard.CheckAddress("other.internal", IPAddress.Parse("192.168.0.9"), allowed));
    }

    [Fact]
    public void One_refused_address_among_the_answers_refuses_the_host_and_no_answer_too()
    {
        Assert.NotNull(DestinationGuard.CheckAddresses("h", [IPAddress.Parse("8.8.8.8"), IPAddress.Parse("127.0.0.1")], None));
        Assert.NotNull(DestinationGuard.CheckAddresses("h", [], None));
        Assert.Null(DestinationGuard.CheckAddresses("h", [IPAddress.Parse("8.8.8.8")], None));
    }

    [Theory]
    [InlineData("https://hooks.example.com/crm", false, null)]
    [InlineData("http://hooks.example.com/crm", false, "Must be an https URL.")]
    [InlineData("http://hooks.example.com/crm", true, null)]
    [InlineData("ftp://hooks.example.com/crm", true, "Must be an https or http URL.")]
    [InlineData("https://user:pw@hooks.example.com/", false, "credentials")]
    [InlineData("https://hooks.example.com/#x", false, "fragment")]
    [InlineData("/relative", false, "https URL")] // file:///relative on Unix
    [InlineData("", false, "absolute URL")]
    public void Urls_must_be_absolute_https_without_credentials(string url, bool allowHttp, string? expected)
    {
        var reason = DestinationGuard.CheckUrl(url, allowHttp, out _);

        if (expected is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(expected, reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("hooks.internal", true)]
    [InlineData("not a host", false)]
    [InlineData("10.0.0.0/40", false)]
    public void Allow_list_entries_are_checked(string entry, bool valid) =>
        Assert.Equal(valid, DestinationGuard.TryParseAllowed(entry, out _));
}
