using Crm.ServiceDefaults.Messaging;

namespace Crm.Messaging.Channels;

/// <summary>
/// One rendered message for one recipient on a channel. <see cref="ProviderTemplate"/> set (WhatsApp outside its
/// 24-hour window): the provider's approved template is sent instead of <see cref="Body"/>.
/// </summary>
public sealed record ChannelMessage(
    string MessageId,
    string To,
    string? ToName,
    string Subject,
    string Body,
    string? ProviderTemplate = null,
    string? ProviderLanguage = null);

/// <summary>What became of a message handed to a channel: <see cref="Status"/> (<c>sent</c>, <c>picked-up</c>) and the provider's id of it, if any.</summary>
public sealed record ChannelDelivery(string Status, string? ProviderMessageId);

/// <summary>
/// Sends on one channel (<c>email</c>, <c>sms</c>, <c>whatsapp</c>). The contract of <see cref="Email.IEmailSender"/>:
/// a failure the provider may recover from (5xx, a time-out before the request was sent, the connection refused)
/// throws <see cref="DependencyUnavailableException"/> (retried); one while the request was handed over and the
/// answer never came throws <see cref="ChannelOutcomeUnknownException"/> (retried under the same id once the claim's
/// lease ends); a refusal for good (4xx) throws <see cref="ChannelRejectedException"/> (the message is
/// <c>failed</c>, reason <c>rejected</c>, not retried).
/// </summary>
public interface IChannelAdapter
{
    /// <summary>Lower-case channel name.</summary>
    string Channel { get; }

    /// <summary>False when its configuration is missing: a message on it is <c>failed</c> with reason <c>not-configured</c>.</summary>
    bool IsConfigured { get; }

    Task<ChannelDelivery> SendAsync(ChannelMessage message, CancellationToken cancellationToken = default);
}

/// <summary>The provider refused the message for good (4xx): sending it again would be refused again.</summary>
public sealed class ChannelRejectedException(string message) : Exception(message);

/// <summary>The request reached the provider but its answer did not come back: whether it took the message is not known.</summary>
public sealed class ChannelOutcomeUnknownException(string message, Exception inner) : DependencyUnavailableException(message, inner);

/// <summary>Every channel's adapter, by name.</summary>
public sealed class ChannelAdapters(IEnumerable<IChannelAdapter> adapters)
{
    private readonly Dictionary<string, IChannelAdapter> _byName = adapters.ToDictionary(a => a.Channel, StringComparer.Ordinal);

    /// <summary>The channels the send API accepts.</summary>
    public static readonly IReadOnlyList<string> Sendable = ["email", "sms", "whatsapp"];

    public IChannelAdapter Get(string channel) =>
        _byName.TryGetValue(channel, out var adapter) ? adapter : throw new ArgumentException($"No adapter for channel '{channel}'.", nameof(channel));
}
