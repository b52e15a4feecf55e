using Crm.Contacts.Identity;
using Xunit;

namespace Crm.Contacts.Tests.Identity;

public sealed class EmailNormalizerTests
{
    [Theory]
    [InlineData("anna@example.com", "anna@example.com")]
    [InlineData("  Anna.Schmidt@Example.COM  ", "anna.schmidt@example.com")]
    [InlineData("\tA@B.C\n", "a@b.c")]
    [InlineData("first+tag@sub.example.co.uk", "first+tag@sub.example.co.uk")]
    [InlineData("o'brien@example.ie", "o'brien@example.ie")]
    [InlineData("JÖRG@BEISPIEL.DE", "jörg@beispiel.de")]
    public void Valid_addresses_are_trimmed_and_lower_cased(string input, string expected)
    {
        var result = EmailNormalizer.Normalize(input);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(expected, result.Value);
        Assert.Null(result.Error);
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("", "is required")]
    [InlineData("   ", "is required")]
    [InlineData("anna.example.com", "must contain exactly one '@'")]
    [InlineData("anna@@example.com", "must contain exactly one '@'")]
    [InlineData("a@b@example.com", "must contain exactly one '@'")]
    [InlineData("@example.com", "needs a name before the '@'")]
    [InlineData("anna@", "needs a domain after the '@'")]
    [InlineData("anna@localhost", "needs a domain with a dot after the '@'")]
    [InlineData("anna schmidt@example.com", "must not contain spaces or control characters")]
    [InlineData("anna@exa mple.com", "must not contain spaces or control characters")]
    [InlineData("anna@example\u0001.com", "must not contain spaces or control characters")]
    [InlineData("anna@.example.com", "has an empty part in its domain")]
    [InlineData("anna@example.com.", "has an empty part in its domain")]
    [InlineData("anna@example..com", "has an empty part in its domain")]
    public void Implausible_addresses_are_rejected_with_a_reason(string? input, string reason)
    {
        var result = EmailNormalizer.Normalize(input);

        Assert.False(result.IsValid);
        Assert.Null(result.Value);
        Assert.Equal(reason, result.Error);
    }

    [Fact]
    public void An_address_of_exactly_254_characters_is_accepted()
    {
        var address = new string('a', 254 - "@example.com".Length) + "@example.com";
        Assert.Equal(254, address.Length);

        Assert.True(EmailNormalizer.Normalize(address).IsValid);
    }

    [Fact]
    public void An_address_of_255_characters_is_rejected()
    {
        var address = new string('a', 255 - "@example.com".Length) + "@example.com";

        var result = EmailNormalizer.Normalize(address);

        Assert.False(result.IsValid);
        Assert.Equal("must be at most 254 characters", result.Error);
    }

    [Fact]
    public void The_length_limit_applies_after_trimming()
    {
        var address = "   " + new string('a', 254 - "@example.com".Length) + "@example.com   ";

        Assert.True(EmailNormalizer.Normalize(address).IsValid);
    }
}
