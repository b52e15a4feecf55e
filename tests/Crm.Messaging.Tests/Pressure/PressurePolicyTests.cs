using Crm.Messaging.Pressure;
using Xunit;

namespace Crm.Messaging.Tests.Pressure;

/// <summary>The <c>Pressure</c> settings: defaults, every wrong setting named, bound from configuration and checked at start.</summary>
public sealed class PressurePolicyTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        var policy = new PressurePolicy();

        Assert.Empty(policy.Errors());
        Assert.Equal(("UTC", new TimeOnly(21, 0), new TimeOnly(8, 0), 3, 10, TimeSpan.FromHours(24), false),
            (policy.DefaultTimeZone, policy.QuietHoursStart, policy.QuietHoursEnd, policy.DailyCap, policy.WeeklyCap, policy.WhatsAppWindow, policy.TransactionalRespectsQuietHours));
    }

    [Fact]
    public void Every_wrong_setting_is_named()
    {
        var policy = new PressurePolicy { DefaultTimeZone = "Mars/Olympus_Mons", DailyCap = -1, WeeklyCap = -2, WhatsAppWindow = TimeSpan.Zero };

        Assert.Equal(
        [
            "Pressure:DefaultTimeZone must be an IANA time zone such as 'UTC' or 'America/Sao_Paulo', not 'Mars/Olympus_Mons'.",
            "Pressure:DailyCap must be 0 (no cap) or more, not -1.",
            "Pressure:WeeklyCap must be 0 (no cap) or more, not -2.",
            "Pressure:WhatsAppWindow must be positive, not 00:00:00.",
        ], policy.Errors());
        Assert.Equal(["Pressure:WeeklyCap (2) must not be less than Pressure:DailyCap (3)."], new PressurePolicy { WeeklyCap = 2 }.Errors());
        Assert.Empty(new PressurePolicy { DailyCap = 5, WeeklyCap = 0 }.Errors());
    }

    [Fact]
    public async Task The_service_binds_the_section_and_refuses_to_start_with_a_wrong_one()
    {
        await using (var factory = new MessagingApiFactory())
        {
            factory.Settings["Pressure:DefaultTimeZone"] = "America/Sao_Paulo";
            factory.Settings["Pressure:QuietHoursStart"] = "22:30";
            factory.Settings["Pressure:QuietHoursEnd"] = "07:15";
            factory.Settings["Pressure:DailyCap"] = "2";

            var policy = factory.Services.GetService(typeof(PressurePolicy)) as PressurePolicy;

            Assert.NotNull(policy);
            Assert.Equal(("America/Sao_Paulo", new TimeOnly(22, 30), new TimeOnly(7, 15), 2, 10), (policy.DefaultTimeZone, policy.QuietHoursStart, policy.QuietHoursEnd, policy.DailyCap, policy.WeeklyCap));
        }

        await using (var factory = new MessagingApiFactory())
        {
            factory.Settings["Pressure:DefaultTimeZone"] = "Europe/Atlantis";

            var error = Assert.ThrowsAny<Exception>(() => factory.Services);

            Assert.Contains("Pressure:DefaultTimeZone must be an IANA time zone", error.ToString(), StringComparison.Ordinal);
        }
    }
}
