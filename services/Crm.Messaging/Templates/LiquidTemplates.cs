using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Fluid;

namespace Crm.Messaging.Templates;

/// <summary>A Liquid syntax error: Fluid's message and where it is (1-based line and column, when Fluid names them).</summary>
public sealed record LiquidError(string Message, int? Line, int? Column)
{
    public override string ToString() =>
        Line is { } line && Column is { } column ? $"Line {line}, column {column}: {Message}" : Message;
}

/// <summary>A rendered text, or the variables it used without a value (every one of them, not only the first).</summary>
public sealed record LiquidResult(string? Text, IReadOnlyList<MissingVariable> Missing)
{
    public bool Succeeded => Missing.Count == 0;
}

/// <summary>
/// A variable the template printed (or passed to a filter other than <c>default</c>) that has no value;
/// <paramref name="Unknown"/>: no template can ever have it (not a variable of the model).
/// </summary>
public sealed record MissingVariable(string Path, string Reason, bool Unknown = false);

/// <summary>
/// The platform's Liquid (Fluid.Core 2.30.0 on Parlot 1.4.0). Parses once per distinct text (parsed templates are
/// immutable and shared), renders <b>text/plain</b>: nothing is HTML-encoded, control characters other than new lines
/// and tabs are dropped (a subject keeps none). The model is <see cref="TemplateModel"/>'s allow-listed values only
/// (no CLR object is ever exposed: Fluid's member access strategy has nothing registered). Fluid 2.30.0 has no
/// "strict variables" option, so a value the model does not have is a <see cref="TemplateModel.Missing"/> value: nil to
/// <c>if</c>, <c>unless</c> and <c>default</c> (so <c>{{ contact.first_name | default: "there" }}</c> covers it),
/// but recorded as soon as it is written or turned into text or a number; the render then fails naming every one.
/// </summary>
public static partial class LiquidTemplates
{
    private const int CacheLimit = 2000;

    private static readonly FluidParser Parser = new();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Parsed = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="text"/>; null with the error when it is not valid Liquid.</summary>
    public static IFluidTemplate? TryParse(string text, out LiquidError? error)
    {
        error = null;
        if (Parsed.TryGetValue(text, out var cached))
        {
            return cached;
        }

        if (!Parser.TryParse(text, out var template, out var message))
        {
            error = ToError(message);
            return null;
        }

        if (Parsed.Count >= CacheLimit)
        {
            Parsed.Clear();
        }

        Parsed[text] = template;
        return template;
    }

    /// <summary>Renders <paramref name="text"/> over <paramref name="model"/>; a template that does not parse throws (templates are checked when stored).</summary>
    public static LiquidResult Render(string text, TemplateModel model, bool singleLine = false)
    {
        var template = TryParse(text, out var error) ?? throw new FormatException($"The template does not parse: {error}");
        var missing = new MissingVariables();
        var context = new TemplateContext(model.ToValue(missing), Options, allowModelMembers: false)
        {
            CultureInfo = CultureInfo.InvariantCulture,
        };
        string output;
        try
        {
            output = template.Render(context, NullEncoder.Default);
        }
        catch (InvalidOperationException ex)
        {
            // Fluid's limits (MaxSteps, MaxRecursion): a template that runs away renders nothing.
            missing.Add("(template)", ex.Message, unknown: true);
            return new LiquidResult(null, missing.All);
        }

        return missing.Count > 0 ? new LiquidResult(null, missing.All) : new LiquidResult(Clean(output, singleLine), []);
    }

    private static readonly TemplateOptions Options = new()
    {
        // A template cannot loop for ever nor nest without end (an admin writes it; a bug must not hang the consumer).
        MaxSteps = 100_000,
        MaxRecursion = 20,
        CultureInfo = CultureInfo.InvariantCulture,
    };

    /// <summary>text/plain: control characters dropped (a single line keeps no line breaks: they become spaces).</summary>
    internal static string Clean(string text, bool singleLine)
    {
        var output = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\n' or '\t')
            {
                output.Append(singleLine ? ' ' : c);
            }
            else if (!char.IsControl(c))
            {
                output.Append(c);
            }
        }

        return singleLine ? output.ToString().Trim() : output.ToString();
    }

    private static LiquidError ToError(string message)
    {
        var match = Position().Match(message);
        return match.Success
            ? new LiquidError(message, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
            : new LiquidError(message, null, null);
    }

    [GeneratedRegex(@"\((\d+):(\d+)\)")]
    private static partial Regex Position();
}

/// <summary>The variables one render found without a value, in the order they were met, each once.</summary>
public sealed class MissingVariables
{
    private readonly List<MissingVariable> _missing = [];

    public int Count => _missing.Count;

    public IReadOnlyList<MissingVariable> All => _missing;

    public void Add(string path, string reason, bool unknown = false)
    {
        if (!_missing.Exists(m => m.Path == path))
        {
            _missing.Add(new MissingVariable(path, reason, unknown));
        }
    }
}
