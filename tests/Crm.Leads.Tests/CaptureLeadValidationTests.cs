using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Xunit;

namespace Crm.Leads.Tests;

public sealed class CaptureLeadValidationTests
{
    private static readonly CaptureLeadRequest Valid = new() { Email = "ana@example.com", Source = "landing", Channel = Channel.Web };

    private static string[] Fields(CaptureLeadRequest request) => [.. CaptureLeadValidation.Validate(request).ToDictionary().Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void A_minimal_request_is_valid()
    {
        Assert.True(CaptureLeadValidation.Validate(Valid).IsEmpty);
        Assert.True(CaptureLeadValidation.Validate(Valid with { Email = null, Phone = "0151 1234567" }).IsEmpty);
    }

    [Fact]
    public void Neither_email_nor_phone_names_both()
    {
        Assert.Equal(["email", "phone"], Fields(Valid with { Email = "  ", Phone = null }));
    }

    [Theory]
    [InlineData("ana@example.com", true)]
    [InlineData("Ana.Lima+crm@mail.example.co.uk", true)]
    [InlineData("ana", false)]
    [InlineData("ana@", false)]
    [InlineData("@example.com", false)]
    [InlineData("ana@example", false)]
    [InlineData("ana@@example.com", false)]
    [InlineData("a@b@example.com", false)]
    [InlineData("ana lima@example.com", false)]
    [InlineData("ana@.example.com", false)]
    [InlineData("ana@example.com.", false)]
    [InlineData("ana@example..com", false)]
    public void Email_shape(string email, bool valid)
    {
        Assert.Equal(valid, CaptureLeadValidation.LooksLikeEmail(email));
    }

    [Fact]
    public void Limits_are_inclusive()
    {
        var atLimits = Valid with
        {
            Name = new string('n', 200),
            Source = new string('s', 100),
            PagesVisited = 10_000,
            Fields = Enumerable.Range(0, 50).ToDictionary(i => $"f{i}", _ => new string('v', 1000)),
        };

        Assert.True(CaptureLeadValidation.Validate(atLimits).IsEmpty);
    }

    [Fact]
    public void Over_the_limits_names_each_field()
    {
        var over = Valid with
        {
            Name = new string('n', 201),
            Source = new string('s', 101),
            PagesVisited = 10_001,
            Fields = Enumerable.Range(0, 51).ToDictionary(i => $"f{i}", _ => "v"),
        };

        Assert.Equal(["fields", "name", "pagesVisited", "source"], Fields(over));
        Assert.Equal(["fields.note"], Fields(Valid with { Fields = new Dictionary<string, string> { ["note"] = new string('v', 1001) } }));
        Assert.Equal(["pagesVisited"], Fields(Valid with { PagesVisited = -1 }));
    }

    [Fact]
    public void Source_and_channel_are_required()
    {
        Assert.Equal(["channel", "source"], Fields(Valid with { Source = null, Channel = null }));
        Assert.Equal(["source"], Fields(Valid with { Source = "   " }));
    }
}
