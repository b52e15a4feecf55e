using Crm.Messaging.Channels;
using Crm.ServiceDefaults.Messaging;
using Crm.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using Xunit;

namespace Crm.Messaging.Tests.Channels;

/// <summary>The adapters' failure contract against a real HTTP peer on loopback, and WhatsApp's window (pure).</summary>
public sealed class ChannelAdapterTests : IDisposable
{
    private readonly WireMockServer _provider = WireMockServer.Start();

    [Theory]
    [InlineData(500, typeof(DependencyUnavailableException))]
    [InlineData(503, typeof(DependencyUnavailableException))]
    [InlineData(429, typeof(DependencyUnavailableException))]
    [InlineData(400, typeof(ChannelRejectedException))]
    [InlineData(401, typeof(ChannelRejectedException))]
    public async Task A_provider_answer_is_transient_for_5xx_and_429_and_permanent_for_other_4xx(int status, Type expected)
    {
        _provider.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(status).WithBody("{}"));

        var sms = await Assert.ThrowsAnyAsync<Exception>(() => Sms(_provider.Url!).SendAsync(Message()));
        var whatsApp = await Assert.ThrowsAnyAsync<Exception>(() => WhatsApp(_provider.Url!).SendAsync(Message()));

        Assert.Equal(expected, sms.GetType());
        Assert.Equal(expected, whatsApp.GetType());
    }

    [Fact]
    public async Task A_provider_that_cannot_be_reached_is_transient_and_one_that_does_not_answer_in_time_is_unknown()
    {
        var closed = $"http://127.0.0.1:{FreePort.Next()}";
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Sms(closed).SendAsync(Message()));
        Assert.Equal(typeof(DependencyUnavailableException), refused.GetType());

        _provider.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(201).WithBody("{\"sid\":\"SM1\"}").WithDelay(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<ChannelOutcomeUnknownException>(() => Sms(_provider.Url!, TimeSpan.FromMilliseconds(300)).SendAsync(Message()));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(-1.0, true)]
    [InlineData(-23.9, true)]
    [InlineData(-24.0, false)]
    [InlineData(-48.0, false)]
    public void WhatsApp_free_text_is_allowed_only_within_24_hours_of_the_last_inbound_message(double? hoursAgo, bool open)
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(open, WhatsAppWindow.IsOpen(hoursAgo is { } h ? now.AddHours(h) : null, now));
    }

    public void Dispose()
    {
        _provider.Stop();
        _provider.Dispose();
    }

    private static ChannelMessage Message() => new(Crm.ServiceDefaults.Storage.Ids.New(), "+15550001111", "Ada", string.Empty, "Hi");

    private static SmsChannel Sms(string url, TimeSpan? timeout = null) =>
        new(new Factory(), new SmsOptions { BaseUrl = url, AccountSid = "AC1", AuthToken = "t", From = "+15550000000", Timeout = timeout ?? TimeSpan.FromSeconds(5) });

    private static WhatsAppChannel WhatsApp(string url) =>
        new(new Factory(), new WhatsAppOptions { BaseUrl = url, AccessToken = "t", PhoneNumberId = "1", Timeout = TimeSpan.FromSeconds(5) });

    private sealed class Factory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new() { Timeout = Timeout.InfiniteTimeSpan };
    }
}
