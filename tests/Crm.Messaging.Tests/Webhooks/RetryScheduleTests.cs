using Crm.Messaging.Webhooks;
using Crm.ServiceDefaults.Storage;
using Xunit;

namespace Crm.Messaging.Tests.Webhooks;

/// <summary>The retry schedule and the signature, pure.</summary>
public sealed class RetryScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly WebhookOptions Defaults = new();

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(10, 2560)]
    [InlineData(11, 3600)]
    [InlineData(30, 3600)]
    public void Delays_double_from_5_seconds_up_to_an_hour(int attempts, double seconds)
    {
        var next = RetrySchedule.Next(attempts, T0, T0, Defaults, random: 0.5);

        Assert.Equal(T0.AddSeconds(seconds), next);
    }

    [Fact]
    public void Jitter_varies_each_delay_by_at_most_20_percent_either_way()
    {
        Assert.Equal(T0.AddSeconds(8), RetrySchedule.Next(2, T0, T0, Defaults, random: 0));
        Assert.Equal(T0.AddSeconds(11.999), RetrySchedule.Next(2, T0, T0, Defaults, random: 0.99995)!.Value.TruncateToMs());
        var spread = Enumerable.Range(0, 200).Select(_ => RetrySchedule.Next(3, T0, T0, Defaults, Random.Shared.NextDouble())!.Value).ToList();
        Assert.All(spread, n => Assert.InRange((n - T0).TotalSeconds, 16, 24));
        Assert.True(spread.Distinct().Count() > 1, "jitter spreads the retries");
    }

    [Fact]
    public void No_attempt_is_scheduled_later_than_24_hours_after_the_first()
    {
        var now = T0.AddHours(23).AddMinutes(30);

        Assert.Equal(now.AddHours(0.5), RetrySchedule.Next(11, T0, now.AddMinutes(-30), Defaults, 0.5));
        Assert.Null(RetrySchedule.Next(11, T0, now, Defaults, 0.5));
    }

    [Fact]
    public void With_the_defaults_a_dead_receiver_gets_about_35_attempts_in_24_hours()
    {
        var now = T0;
        var attempts = 1;
        while (RetrySchedule.Next(attempts, T0, now, Defaults, 0.5) is { } next)
        {
            now = next;
            attempts++;
        }

        Assert.InRange(attempts, 30, 40);
        Assert.True(now <= T0.AddHours(24));
    }

    [Fact]
    public void The_signature_is_the_hex_HMAC_SHA256_of_id_timestamp_and_body()
    {
        // Reference: printf '%s' 'msg_1.1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_test-secret-of-at-least-32-bytes!!' -hex
        var signature = WebhookSignature.Sign("whsec_test-secret-of-at-least-32-bytes!!", "msg_1", 1700000000, """{"a":1}""");

        Assert.Equal("v1=d855d3f964ea04ef09263c3d1be93b76eaff0ee475845945485c87e0dde8d6c2", signature);
        Assert.True(WebhookSignature.Verify("whsec_test-secret-of-at-least-32-bytes!!", "msg_1", 1700000000, """{"a":1}""", signature));
        Assert.False(WebhookSignature.Verify("whsec_test-secret-of-at-least-32-bytes!!", "msg_1", 1700000001, """{"a":1}""", signature));
        Assert.Matches("^whsec_[A-Za-z0-9_-]{43}$", WebhookSignature.NewSecret());
    }
}
