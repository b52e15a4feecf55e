using Crm.Contacts.Identity;
using Xunit;

namespace Crm.Contacts.Tests.Identity;

public sealed class PhoneNormalizerTests
{
    [Theory]
    [InlineData("+49 30 1234567")]
    [InlineData("030 1234567")]
    [InlineData("0049 30 1234567")]
    [InlineData("+49 (0)30-123 4567")]
    [InlineData("+49301234567")]
    [InlineData("030/1234567")]
    [InlineData("(030) 123 45 67")]
    [InlineData("  +49-30-1234567  ")]
    [InlineData("+49 030 1234567")]
    public void Every_common_German_format_of_one_number_gives_the_same_E164(string input)
    {
        var result = PhoneNormalizer.Normalize(input, "DE");

        Assert.True(result.IsValid, result.Error);
        Assert.Equal("+49301234567", result.Value);
    }

    [Theory]
    [InlineData("0171 1234567", "DE", "+491711234567")]
    [InlineData("+43 1 5880000", "DE", "+4315880000")]
    [InlineData("01 5880000", "AT", "+4315880000")]
    [InlineData("(201) 555-0123", "US", "+12015550123")]
    [InlineData("+1 201 555 0123", "DE", "+12015550123")]
    [InlineData("00 1 201 555 0123", "DE", "+12015550123")]
    [InlineData("030 1234567", "de", "+49301234567")]
    [InlineData("1-800-FLOWERS", "US", "+18003569377")]
    [InlineData("+49 30 1234567 ext. 12", "DE", "+49301234567")]
    public void Numbers_are_read_in_the_given_region_unless_they_carry_a_country_code(string input, string region, string expected)
    {
        var result = PhoneNormalizer.Normalize(input, region);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public void The_same_national_number_means_different_people_in_different_regions()
    {
        var germany = PhoneNormalizer.Normalize("030 1234567", "DE");
        var austria = PhoneNormalizer.Normalize("030 1234567", "AT");

        Assert.True(germany.IsValid);
        Assert.True(austria.IsValid, austria.Error);
        Assert.NotEqual(germany.Value, austria.Value);
        Assert.StartsWith("+43", austria.Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("", "is required")]
    [InlineData("   ", "is required")]
    [InlineData("hello", "is not a phone number")]
    [InlineData("call me", "is not a phone number")]
    [InlineData("+", "is not a phone number")]
    [InlineData("1", "is not a phone number")]
    [InlineData("0", "is not a phone number")]
    [InlineData("+999 1234567", "has no valid country code")]
    [InlineData("+49 1", "is too short to be a phone number")]
    [InlineData("00491", "is too short to be a phone number")]
    [InlineData("+49 30 12345678901234567", "is too long to be a phone number")]
    [InlineData("+49 30 123456789012345", "is too long for its country")]
    [InlineData("+1 201 555 01234", "is too long for its country")]
    [InlineData("+44 20", "is too short for its country")]
    [InlineData("+49 30", "is too short: include the area code")]
    [InlineData("12", "is too short: include the area code")]
    public void Numbers_that_do_not_parse_or_are_not_possible_are_rejected(string? input, string reason)
    {
        var result = PhoneNormalizer.Normalize(input, "DE");

        Assert.False(result.IsValid);
        Assert.Null(result.Value);
        Assert.Equal(reason, result.Error);
    }

    [Fact]
    public void A_local_number_without_area_code_is_rejected()
    {
        var result = PhoneNormalizer.Normalize("555 0123", "US");

        Assert.False(result.IsValid);
        Assert.Equal("is too short: include the area code", result.Error);
    }

    [Fact]
    public void An_input_far_too_long_is_rejected()
    {
        var result = PhoneNormalizer.Normalize("+49 " + new string('1', 300), "DE");

        Assert.False(result.IsValid);
    }

    [Theory]
    [InlineData("ZZ")]
    [InlineData("XX")]
    [InlineData("")]
    [InlineData("Germany")]
    public void An_unknown_region_is_rejected_for_a_number_without_country_code(string region)
    {
        var result = PhoneNormalizer.Normalize("030 1234567", region);

        Assert.False(result.IsValid);
        Assert.Contains("region", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DE", true)]
    [InlineData("de", true)]
    [InlineData(" AT ", true)]
    [InlineData("US", true)]
    [InlineData("ZZ", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("DEU", false)]
    public void Supported_regions_are_libphonenumbers_two_letter_codes(string? region, bool supported)
    {
        Assert.Equal(supported, PhoneNormalizer.IsSupportedRegion(region));
    }
}
