using Crm.ServiceDefaults.Http;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Xunit;

namespace Crm.Leads.Tests;

public sealed class CaptureLeadValidationTests
{
    private static readonly CaptureLeadRequest Valid = new() { Email = "ana@example.com", Source = "landing", Channel = Channel.Web };

    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxAge = new LeadsOptions().MaxCapturedAtAge;

    private static ValidationErrors Validate(CaptureLeadRequest request) => CaptureLeadValidation.Validate(request, Now, MaxAge);

    private static string[] Fields(CaptureLeadRequest request) => [.. Validate(request).ToDictionary().Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void A_minimal_request_is_valid()
    {
        Assert.True(Validate(Valid).IsEmpty);
        Assert.True(Validate(Valid with { Email = null, Phone = "0151 1234567" }).IsEmpty);
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
            ExternalId = new string('x', 100),
            PagesVisited = 10_000,
            Fields = Enumerable.Range(0, 50).ToDictionary(i => $"f{i}", _ => new string('v', 1000)),
        };

        Assert.True(Validate(atLimits).IsEmpty);
    }

    [Fact]
    public void Over_the_limits_names_each_field()
    {
        var over = Valid with
        {
            Name = new string('n', 201),
            Source = new string('s', 101),
            ExternalId = new string('x', 101),
            PagesVisited = 10_001,
            Fields = Enumerable.Range(0, 51).ToDictionary(i => $"f{i}", _ => "v"),
        };

        Assert.Equal(["externalId", "fields", "name", "pagesVisited", "source"], Fields(over));
        Assert.Equal(["fields.note"], Fields(Valid with { Fields = new Dictionary<string, string> { ["note"] = new string('v', 1001) } }));
        Assert.Equal(["pagesVisited"], Fields(Valid with { PagesVisited = -1 }));
    }

    [Fact]
    public void Source_is_required_channel_is_optional()
    {
        Assert.Equal(["source"], Fields(Valid with { Source = null, Channel = null }));
        Assert.Equal(["source"], Fields(Valid with { Source = "   " }));
        Assert.Empty(Fields(Valid with { Channel = null }));
    }

    [Fact]
    public void Every_bad_field_is_named_at_once()
    {
        var request = Valid with
        {
            Email = "not-an-email",
            Source = null,
            Campaign = new string('c', 101),
            Region = new string('r', 51),
            Utm = new UtmTags { Medium = new string('m', 201) },
            Budget = new Money { Amount = "12.345", Currency = "eur" },
            Pipeline = "Not Kebab",
            PagesVisited = -1,
            CapturedAt = Now.AddDays(1),
        };

        Assert.Equal(["budget", "campaign", "capturedAt", "email", "pagesVisited", "pipeline", "region", "source", "utm.medium"], Fields(request));
    }

    [Fact]
    public void CapturedAt_is_optional_and_may_be_up_to_the_window_old()
    {
        Assert.Empty(Fields(Valid with { CapturedAt = null }));
        Assert.Empty(Fields(Valid with { CapturedAt = Now }));
        Assert.Empty(Fields(Valid with { CapturedAt = Now.AddDays(-29).AddHours(-7) }));
        Assert.Equal(TimeSpan.FromDays(90), MaxAge);
        Assert.Empty(Fields(Valid with { CapturedAt = Now - MaxAge }));
        // Another offset is the same instant: an ad platform may report local time with its offset.
        Assert.Empty(Fields(Valid with { CapturedAt = new DateTimeOffset(2026, 11, 30, 13, 0, 0, TimeSpan.FromHours(1)) }));
    }

    [Fact]
    public void CapturedAt_in_the_future_beyond_the_clock_skew_is_a_field_error()
    {
        Assert.Empty(Fields(Valid with { CapturedAt = Now + CaptureLeadValidation.CapturedAtSkew }));
        var errors = Validate(Valid with { CapturedAt = Now + CaptureLeadValidation.CapturedAtSkew + TimeSpan.FromMilliseconds(1) }).ToDictionary();
        Assert.Equal(["Not more than 5 minutes in the future."], errors["capturedAt"]);
        Assert.Single(errors);
    }

    [Fact]
    public void CapturedAt_older_than_the_window_is_a_field_error()
    {
        var errors = Validate(Valid with { CapturedAt = Now - MaxAge - TimeSpan.FromMilliseconds(1) }).ToDictionary();
        Assert.Equal(["Not older than 90 days (Leads:MaxCapturedAtAge)."], errors["capturedAt"]);
        Assert.Equal("Not older than 7 days (Leads:MaxCapturedAtAge).", CaptureLeadValidation.CapturedAtProblem(Now.AddDays(-8), Now, TimeSpan.FromDays(7)));
        Assert.Null(CaptureLeadValidation.CapturedAtProblem(Now.AddDays(-6), Now, TimeSpan.FromDays(7)));
    }

    [Theory]
    [InlineData("129.90", true)]
    [InlineData("0", true)]
    [InlineData("1200", true)]
    [InlineData("12.345", false)]
    [InlineData("-5", false)]
    [InlineData("1,5", false)]
    [InlineData(".5", false)]
    [InlineData("5.", false)]
    [InlineData("", false)]
    [InlineData("1e3", false)]
    public void Money_amounts_are_decimal_strings_with_at_most_two_decimals(string amount, bool valid)
    {
        Assert.Equal(valid, MoneyValues.Problem(new Money { Amount = amount, Currency = "EUR" }) is null);
    }

    [Theory]
    [InlineData("facebook-ads", null, null, Channel.Ads)]
    [InlineData("spring-landing", null, null, Channel.Web)]
    [InlineData("WhatsApp Business", null, null, Channel.Whatsapp)]
    [InlineData("newsletter-2026-11", null, null, Channel.Email)]
    [InlineData("partner-referral", null, null, Channel.Referral)]
    [InlineData("inbound call", null, null, Channel.Phone)]
    [InlineData("sms-keyword", null, null, Channel.Sms)]
    [InlineData("spring", "cpc", "google", Channel.Ads)]
    [InlineData("spring", null, "bing-organic", Channel.Web)]
    [InlineData("spring", null, "xyz", Channel.Web)]
    [InlineData("kiosk-7", null, null, Channel.Unknown)]
    public void Channel_is_inferred_from_source_then_utm(string source, string? medium, string? utmSource, Channel expected)
    {
        var utm = medium is null && utmSource is null ? null : new UtmTags { Medium = medium, Source = utmSource };
        Assert.Equal(expected, ChannelInference.Infer(source, utm));
    }
}
