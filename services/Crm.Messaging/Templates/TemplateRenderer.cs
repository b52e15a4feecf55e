using System.Text;

namespace Crm.Messaging.Templates;

/// <summary>A rendered message: subject and plain-text body.</summary>
public sealed record RenderedMessage(string Subject, string Body);

/// <summary>
/// Renders the platform's message templates: plain text with <c>{{ name }}</c> placeholders (Liquid's output
/// syntax, nothing else of Liquid). Fluid.Core 2.41.1 was meant to do this, but it fails at runtime against the
/// only Parlot the package mirror serves (2.2.1: <c>MissingMethodException</c> for <c>Parsers.ZeroOrOne</c>), so
/// this small renderer stands in. Values are inserted as they are (the e-mails are text/plain); control characters
/// in values become spaces so a value cannot break a header. A placeholder without a value, or an unclosed
/// <c>{{</c>, is an error: a broken template must never reach a customer.
/// </summary>
public sealed class TemplateRenderer
{
    public RenderedMessage RenderWelcome(string? contactName, string repName)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = string.IsNullOrWhiteSpace(contactName) ? WelcomeTemplate.FallbackName : contactName.Trim(),
            ["rep"] = repName.Trim(),
        };
        return new RenderedMessage(Render(WelcomeTemplate.Subject, values), Render(WelcomeTemplate.Body, values));
    }

    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        var output = new StringBuilder(template.Length + 64);
        var position = 0;
        while (position < template.Length)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                output.Append(template, position, template.Length - position);
                break;
            }

            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"The template has an unclosed '{{{{' at position {open}.");
            }

            var name = template[(open + 2)..close].Trim();
            if (!IsIdentifier(name))
            {
                throw new FormatException($"The template has an invalid placeholder '{template[open..(close + 2)]}' at position {open}.");
            }

            if (!values.TryGetValue(name, out var value))
            {
                throw new FormatException($"The template uses '{name}' but no value was given for it.");
            }

            output.Append(template, position, open - position);
            AppendClean(output, value);
            position = close + 2;
        }

        return output.ToString();
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static void AppendClean(StringBuilder output, string value)
    {
        foreach (var c in value)
        {
            output.Append(char.IsControl(c) ? ' ' : c);
        }
    }
}
