namespace Crm.Messaging.Channels;

/// <summary>The channel adapters and their configuration (<c>Channels:Sms</c>, <c>Channels:WhatsApp</c>).</summary>
internal static class ChannelRegistration
{
    public static WebApplicationBuilder AddChannels(this WebApplicationBuilder builder)
    {
        var sms = builder.Configuration.GetSection(SmsOptions.Section).Get<SmsOptions>() ?? new SmsOptions();
        var whatsApp = builder.Configuration.GetSection(WhatsAppOptions.Section).Get<WhatsAppOptions>() ?? new WhatsAppOptions();
        builder.Services.AddSingleton(sms);
        builder.Services.AddSingleton(whatsApp);
        builder.Services.AddSingleton(builder.Configuration.GetSection(EmailBounceOptions.Section).Get<EmailBounceOptions>() ?? new EmailBounceOptions());
        // The adapters bound each call themselves (their Timeout), so the client's own limit stays out of the way.
        builder.Services.AddHttpClient(SmsChannel.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddHttpClient(WhatsAppChannel.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<IChannelAdapter, EmailChannel>();
        builder.Services.AddSingleton<IChannelAdapter, SmsChannel>();
        builder.Services.AddSingleton<IChannelAdapter, WhatsAppChannel>();
        builder.Services.AddSingleton<ChannelAdapters>();
        return builder;
    }
}
