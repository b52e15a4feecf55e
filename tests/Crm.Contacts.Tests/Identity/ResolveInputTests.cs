using Crm.Contacts.Identity;
using Xunit;

namespace Crm.Contacts.Tests.Identity;

public sealed class ResolveInputTests
{
    [Fact]
    public void Both_identities_are_normalised_and_the_name_trimmed()
    {
        Assert.True(ResolveInput.TryParse("  Anna Schmidt ", " Anna@Example.com ", "030 1234567", null, "DE", out var command, out var error));

        Assert.Null(error);
        Assert.Equal("Anna Schmidt", command.Name);
        Assert.Equal("anna@example.com", command.Email);
        Assert.Equal("+49301234567", command.Phone);
        Assert.Equal([ContactIdentity.Email("anna@example.com"), ContactIdentity.Phone("+49301234567")], command.Identities);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("  ", "\t")]
    public void Neither_email_nor_phone_is_an_error(string? email, string? phone)
    {
        Assert.False(ResolveInput.TryParse("Anna", email, phone, null, "DE", out var command, out var error));

        Assert.Null(command);
        Assert.Equal("email", error.Field);
        Assert.Equal("email: an e-mail or a phone is required", error.Detail);
    }

    [Fact]
    public void An_email_alone_is_enough()
    {
        Assert.True(ResolveInput.TryParse(null, "a@b.cd", "", "", "DE", out var command, out _));

        Assert.Null(command.Name);
        Assert.Null(command.Phone);
        Assert.Equal([ContactIdentity.Email("a@b.cd")], command.Identities);
    }

    [Fact]
    public void A_phone_alone_is_enough()
    {
        Assert.True(ResolveInput.TryParse("", null, "+49 30 1234567", null, "DE", out var command, out _));

        Assert.Null(command.Name);
        Assert.Null(command.Email);
        Assert.Equal([ContactIdentity.Phone("+49301234567")], command.Identities);
    }

    [Fact]
    public void A_bad_email_names_the_email_field()
    {
        Assert.False(ResolveInput.TryParse("Anna", "not-an-email", "030 1234567", null, "DE", out _, out var error));

        Assert.Equal("email", error.Field);
        Assert.Equal("email: must contain exactly one '@'", error.Detail);
    }

    [Fact]
    public void A_bad_phone_names_the_phone_field()
    {
        Assert.False(ResolveInput.TryParse("Anna", "a@b.cd", "hello", null, "DE", out _, out var error));

        Assert.Equal("phone", error.Field);
        Assert.Equal("phone: is not a phone number", error.Detail);
    }

    [Fact]
    public void The_requests_region_wins_over_the_configured_one()
    {
        Assert.True(ResolveInput.TryParse(null, null, "01 5880000", "AT", "DE", out var command, out _));

        Assert.Equal("+4315880000", command.Phone);
    }

    [Fact]
    public void A_blank_request_region_falls_back_to_the_configured_one()
    {
        Assert.True(ResolveInput.TryParse(null, null, "030 1234567", "  ", "DE", out var command, out _));

        Assert.Equal("+49301234567", command.Phone);
    }

    [Fact]
    public void An_unknown_request_region_is_a_phone_error()
    {
        Assert.False(ResolveInput.TryParse(null, null, "030 1234567", "ZZ", "DE", out _, out var error));

        Assert.Equal("phone", error.Field);
    }

    [Fact]
    public void A_name_of_200_characters_is_accepted_and_201_rejected()
    {
        Assert.True(ResolveInput.TryParse(new string('n', 200), "a@b.cd", null, null, "DE", out _, out _));
        Assert.False(ResolveInput.TryParse(new string('n', 201), "a@b.cd", null, null, "DE", out _, out var error));

        Assert.Equal("name", error.Field);
    }

    [Fact]
    public void A_check_reports_every_bad_identity_where_a_resolve_stops_at_the_first()
    {
        var check = ResolveInput.CheckIdentities("not-an-email", "hello", null, "DE");
        Assert.False(ResolveInput.TryParse("Anna", "not-an-email", "hello", null, "DE", out _, out var first));

        Assert.Equal([new IdentityError("email", "must contain exactly one '@'"), new IdentityError("phone", "is not a phone number")], check.Errors);
        Assert.Equal(check.Errors[0], first);
        Assert.Null(check.Email);
        Assert.Null(check.Phone);
    }

    [Fact]
    public void A_check_normalises_like_a_resolve_with_the_same_region_fallback()
    {
        var check = ResolveInput.CheckIdentities(" Anna@Example.com ", "030 1234567", "  ", "DE");
        var austrian = ResolveInput.CheckIdentities(null, "01 5880000", "AT", "DE");

        Assert.Equal(("anna@example.com", "+49301234567"), (check.Email, check.Phone));
        Assert.Empty(check.Errors);
        Assert.Equal("+4315880000", austrian.Phone);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", " ")]
    public void A_check_leaves_blank_identities_unchecked(string? email, string? phone)
    {
        var check = ResolveInput.CheckIdentities(email, phone, "ZZ", "DE");

        Assert.Null(check.Email);
        Assert.Null(check.Phone);
        Assert.Empty(check.Errors);
    }
}
