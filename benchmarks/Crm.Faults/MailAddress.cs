using System.Text.RegularExpressions;

namespace Crm.Faults;

internal static partial class MailAddress
{
    /// <summary>The address in a message's <c>To:</c> header, or null.</summary>
    public static string? To(string message) => ToHeader().Match(message) is { Success: true } to ? (to.Groups[1].Success ? to.Groups[1].Value : to.Groups[2].Value) : null;

    /// <summary>The message's <c>Message-Id</c> header (what a re-send of the same message keeps), or null.</summary>
    public static string? MessageId(string message) => MessageIdHeader().Match(message) is { Success: true } id ? id.Groups[1].Value : null;

    [GeneratedRegex(@"^Message-Id: *<?([^>\s]+)>?", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex MessageIdHeader();

    [GeneratedRegex(@"^To: (?:.*?<([^>]+)>|([^\s<>]+@[^\s<>]+))", RegexOptions.Multiline)]
    private static partial Regex ToHeader();
}
