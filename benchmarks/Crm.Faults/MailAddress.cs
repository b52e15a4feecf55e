using System.Text.RegularExpressions;

namespace Crm.Faults;

internal static partial class MailAddress
{
    /// <summary>The address in a message's <c>To:</c> header, or null.</summary>
    public static string? To(string message) => ToHeader().Match(message) is { Success: true } to ? (to.Groups[1].Success ? to.Groups[1].Value : to.Groups[2].Value) : null;

    [GeneratedRegex(@"^To: (?:.*?<([^>]+)>|([^\s<>]+@[^\s<>]+))", RegexOptions.Multiline)]
    private static partial Regex ToHeader();
}
