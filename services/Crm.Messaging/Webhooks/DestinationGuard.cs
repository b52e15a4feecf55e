using System.Net;
using System.Net.Sockets;

namespace Crm.Messaging.Webhooks;

/// <summary>One entry of <c>Webhooks:AllowedDestinations</c>: a host name, or an address range (an IP is a /32 or /128).</summary>
public sealed record AllowedDestination(string? Host, IPNetwork? Range);

/// <summary>
/// The SSRF rule for webhook destinations, pure: the URL is absolute https (http only when allowed), has no user
/// info, and every address its host resolves to is public — not loopback, link-local, private (RFC 1918, ULA),
/// shared (100.64/10), multicast, broadcast, reserved or unspecified, IPv4-mapped ones judged as IPv4 — unless the
/// host name or a range holding the address is in the allow-list. Checked when subscribing and before each connect
/// (<see cref="WebhookHttp"/> connects to an address this rule passed, so a DNS answer that changes in between is no way round).
/// </summary>
public static class DestinationGuard
{
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"), // "this network", unspecified
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"), // shared address space (carrier-grade NAT)
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), // link-local, cloud metadata
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/4"), // multicast
        IPNetwork.Parse("240.0.0.0/4"), // reserved, broadcast
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("64:ff9b::/96"), // NAT64: would reach IPv4 addresses unchecked
        IPNetwork.Parse("fc00::/7"), // unique local
        IPNetwork.Parse("fe80::/10"), // link-local
        IPNetwork.Parse("fec0::/10"), // site-local (deprecated)
        IPNetwork.Parse("ff00::/8"), // multicast
    ];

    public static bool TryParseAllowed(string entry, out AllowedDestination allowed)
    {
        allowed = new AllowedDestination(null, null);
        var text = entry.Trim();
        if (IPNetwork.TryParse(text, out var range))
        {
            allowed = new AllowedDestination(null, range);
            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            allowed = new AllowedDestination(null, new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            return true;
        }

        if (Uri.CheckHostName(text) == UriHostNameType.Dns)
        {
            allowed = new AllowedDestination(text.ToLowerInvariant(), null);
            return true;
        }

        return false;
    }

    public static IReadOnlyList<AllowedDestination> ParseAll(IEnumerable<string> entries) =>
        entries.Select(e => TryParseAllowed(e, out var a) ? a : null).OfType<AllowedDestination>().ToList();

    /// <summary>What is wrong with the URL itself (scheme, shape), null when nothing; addresses are checked by <see cref="CheckAddress"/>.</summary>
    public static string? CheckUrl(string? url, bool allowHttp, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2000 || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var parsed))
        {
            return "Required: an absolute URL of at most 2,000 characters.";
        }

        if (parsed.Scheme != Uri.UriSchemeHttps && !(allowHttp && parsed.Scheme == Uri.UriSchemeHttp))
        {
            return allowHttp ? "Must be an https or http URL." : "Must be an https URL.";
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            return "Must not carry credentials (user:password@); authenticate the calls by their signature.";
        }

        if (!string.IsNullOrEmpty(parsed.Fragment))
        {
            return "Must not have a fragment (#...).";
        }

        uri = parsed;
        return null;
    }

    /// <summary>Whether <paramref name="host"/> is in the allow-list by name.</summary>
    public static bool HostAllowed(string host, IReadOnlyList<AllowedDestination> allowed) =>
        allowed.Any(a => a.Host is not null && string.Equals(a.Host, host.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));

    /// <summary>Why <paramref name="address"/> may not be reached from <paramref name="host"/> (null: it may).</summary>
    public static string? CheckAddress(string host, IPAddress address, IReadOnlyList<AllowedDestination> allowed)
    {
        if (HostAllowed(host, allowed))
        {
            return null;
        }

        var judged = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (allowed.Any(a => a.Range is { } range && (range.Contains(judged) || range.Contains(address))))
        {
            return null;
        }

        var blocked = Blocked.Where(b => b.BaseAddress.AddressFamily == judged.AddressFamily && b.Contains(judged)).Select(b => (IPNetwork?)b).FirstOrDefault();
        return blocked is null ? null : $"{host} resolves to {judged} (in {blocked}), which is not a public address; add it to Webhooks:AllowedDestinations to allow it.";
    }

    /// <summary>Why the host may not be reached (null: every address passes); a host without addresses is refused too.</summary>
    public static string? CheckAddresses(string host, IReadOnlyList<IPAddress> addresses, IReadOnlyList<AllowedDestination> allowed) =>
        addresses.Count == 0
            ? $"{host} does not resolve to any address."
            : addresses.Select(a => CheckAddress(host, a, allowed)).FirstOrDefault(r => r is not null);
}
