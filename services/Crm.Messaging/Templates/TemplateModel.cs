using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Crm.Messaging.Contacts;
using Fluid;
using Fluid.Values;

namespace Crm.Messaging.Templates;

/// <summary>
/// What a template may print: <c>contact</c>, <c>lead</c>, <c>rep</c> and <c>order</c>, each a flat set of text, number or
/// true/false values. Only the members of <see cref="Fields"/> exist (<c>lead</c> takes any lower-case name: it is what
/// the event or the caller gives); nothing else of the platform is reachable from a template. A value that is not set
/// (no first name, no order) is missing: see <see cref="LiquidTemplates"/>. Texts are trimmed and their control
/// characters become spaces (a value cannot break a header or a line of its own); a blank text is not set.
/// </summary>
public sealed class TemplateModel
{
    /// <summary>The members of each root; null: any name (<c>lead</c>).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>?> Fields = new Dictionary<string, IReadOnlyList<string>?>(StringComparer.Ordinal)
    {
        ["contact"] = ["first_name", "name", "email", "phone", "locale", "country", "birthday", "time_zone"],
        ["lead"] = null,
        ["rep"] = ["id", "name", "email", "phone"],
        ["order"] = ["id", "reference", "total", "currency", "items_count"],
        ["reply"] = ["text"], // a conversation's reply (Conversations/): the text a rep wrote
    };

    private readonly Dictionary<string, Dictionary<string, object>> _values = new(StringComparer.Ordinal);

    /// <summary>The contact as Contacts answered: <c>first_name</c> is the first word of the name.</summary>
    public static TemplateModel Of(ContactCard? contact)
    {
        var model = new TemplateModel();
        if (contact is null)
        {
            return model;
        }

        var name = Text(contact.Name);
        return model
            .Set("contact", "name", name)
            .Set("contact", "first_name", name?.Split(' ', 2)[0])
            .Set("contact", "email", contact.Emails.Count > 0 ? contact.Emails[0] : null)
            .Set("contact", "phone", contact.Phones.Count > 0 ? contact.Phones[0] : null)
            .Set("contact", "locale", contact.Locale)
            .Set("contact", "country", contact.Country)
            .Set("contact", "birthday", contact.Birthday?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Set("contact", "time_zone", contact.TimeZone);
    }

    /// <summary>
    /// Every fixed field with a value (<c>lead</c> has none: its fields are open): rendered with it, a template can only
    /// lack variables that do not exist (<see cref="MissingVariable.Unknown"/>), which is how a stored template is checked.
    /// </summary>
    public static TemplateModel Sample()
    {
        var model = new TemplateModel();
        foreach (var (root, members) in Fields)
        {
            foreach (var member in members ?? [])
            {
                model.Set(root, member, member is "total" or "items_count" ? 1 : "x");
            }
        }

        return model;
    }

    /// <summary>Whether <paramref name="root"/>.<paramref name="member"/> is a variable a template may use.</summary>
    public static bool IsVariable(string root, string member) =>
        Fields.TryGetValue(root, out var members)
        && (members?.Contains(member, StringComparer.Ordinal) ?? IsName(member));

    /// <summary>A member name: lower-case letters, digits and <c>_</c>, starting with a letter, at most 64.</summary>
    public static bool IsName(string member) =>
        member.Length is > 0 and <= 64 && char.IsAsciiLetterLower(member[0]) && member.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    /// <summary>Sets (or, with null or a blank text, unsets) a value: text, number or true/false. Not a variable: an exception.</summary>
    public TemplateModel Set(string root, string member, object? value)
    {
        if (!IsVariable(root, member))
        {
            throw new ArgumentException($"'{root}.{member}' is not a template variable.", nameof(member));
        }

        var clean = value switch
        {
            null => null,
            string s => Text(s),
            bool or int or long or decimal => value,
            double d => (decimal)d,
            _ => throw new ArgumentException($"'{root}.{member}' takes a text, a number or true/false, not {value.GetType().Name}.", nameof(value)),
        };
        if (!_values.TryGetValue(root, out var members))
        {
            members = new Dictionary<string, object>(StringComparer.Ordinal);
            _values[root] = members;
        }

        if (clean is null)
        {
            members.Remove(member);
        }
        else
        {
            members[member] = clean;
        }

        return this;
    }

    /// <summary>The value set for <paramref name="root"/>.<paramref name="member"/>, or null.</summary>
    public object? Get(string root, string member) =>
        _values.TryGetValue(root, out var members) ? members.GetValueOrDefault(member) : null;

    internal FluidValue ToValue(MissingVariables missing) => new RootValue(this, missing);

    private static string? Text(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            text.Append(char.IsControl(c) ? ' ' : c);
        }

        var trimmed = text.ToString().Trim();
        return trimmed.Length == 0 ? null : trimmed;
    }

    private static FluidValue ToFluid(object value) => value switch
    {
        string s => new StringValue(s),
        bool b => BooleanValue.Create(b),
        int i => NumberValue.Create(i),
        long l => NumberValue.Create(l),
        decimal m => NumberValue.Create(m),
        _ => NilValue.Instance,
    };

    /// <summary>The top of the model: the four roots; any other name is missing.</summary>
    private sealed class RootValue(TemplateModel model, MissingVariables missing) : Container
    {
        protected override string Describe => "the model";

        public override ValueTask<FluidValue> GetValueAsync(string name, TemplateContext context) =>
            new(Fields.TryGetValue(name, out var members)
                ? new RecordValue(name, members, model._values.GetValueOrDefault(name), missing)
                : new Missing(name, "Not a template variable: use contact, lead, rep or order (e.g. contact.first_name).", missing, unknown: true));

        protected override void Touched() =>
            missing.Add("(model)", "The model itself cannot be printed.", unknown: true);
    }

    /// <summary>One root (<c>contact</c>...): its allow-listed members; an unset one is missing.</summary>
    private sealed class RecordValue(string root, IReadOnlyList<string>? members, Dictionary<string, object>? values, MissingVariables missing) : Container
    {
        protected override string Describe => root;

        public override ValueTask<FluidValue> GetValueAsync(string name, TemplateContext context)
        {
            var path = $"{root}.{name}";
            if (!(members?.Contains(name, StringComparer.Ordinal) ?? IsName(name)))
            {
                return new(new Missing(path, members is null ? $"Not a field name of {root}: lower-case letters, digits and '_'." : $"Not a field of {root}: use {string.Join(", ", members)}.", missing, unknown: true));
            }

            return new(values?.GetValueOrDefault(name) is { } value
                ? ToFluid(value)
                : new Missing(path, "No value for it here: give one, or use a default (| default: \"…\").", missing));
        }

        protected override void Touched() =>
            missing.Add(root, $"{root} is a group of fields: print one of them (e.g. {root}.{(members is { Count: > 0 } ? members[0] : "id")}).", unknown: true);
    }

    /// <summary>
    /// A value the model does not have: nil to <c>if</c> and <c>default</c>; recorded as soon as it is printed or turned
    /// into text or a number (a filter such as <c>upcase</c>), and then written as nothing (the render fails anyway). A
    /// variable that does not exist at all (<paramref name="unknown"/>) is recorded wherever it is used.
    /// </summary>
    internal sealed class Missing(string path, string reason, MissingVariables missing, bool unknown = false) : FluidValue
    {
        public override FluidValues Type => FluidValues.Nil;

        /// <summary>Nil; a variable that does not exist is recorded even here (a typo under <c>default</c> or in an <c>if</c>).</summary>
        public override bool IsNil()
        {
            RecordIfUnknown();
            return true;
        }

        public override bool Equals(FluidValue other)
        {
            RecordIfUnknown();
            return other.IsNil();
        }

        public override bool ToBooleanValue()
        {
            RecordIfUnknown();
            return false;
        }

        private void RecordIfUnknown()
        {
            if (unknown)
            {
                missing.Add(path, reason, unknown);
            }
        }

        public override decimal ToNumberValue()
        {
            missing.Add(path, reason, unknown);
            return 0;
        }

        public override string ToStringValue()
        {
            missing.Add(path, reason, unknown);
            return string.Empty;
        }

        public override object ToObjectValue() => null!;

        public override ValueTask<FluidValue> GetValueAsync(string name, TemplateContext context) => new(this);

        [Obsolete("Fluid's synchronous writer; WriteToAsync is the one rendering calls.")]
        public override void WriteTo(TextWriter writer, TextEncoder encoder, CultureInfo cultureInfo) => missing.Add(path, reason, unknown);

        public override ValueTask WriteToAsync(TextWriter writer, TextEncoder encoder, CultureInfo cultureInfo)
        {
            missing.Add(path, reason, unknown);
            return ValueTask.CompletedTask;
        }

        public override bool Equals(object? obj) => obj is FluidValue other && Equals(other);

        public override int GetHashCode() => path.GetHashCode(StringComparison.Ordinal);
    }

    /// <summary>A group of values (the model, a root): never printable itself.</summary>
    private abstract class Container : FluidValue
    {
        protected abstract string Describe { get; }

        protected abstract void Touched();

        public override FluidValues Type => FluidValues.Object;

        public override bool Equals(FluidValue other) => ReferenceEquals(this, other);

        public override bool ToBooleanValue() => true;

        public override decimal ToNumberValue()
        {
            Touched();
            return 0;
        }

        public override string ToStringValue()
        {
            Touched();
            return string.Empty;
        }

        public override object ToObjectValue() => Describe;

        [Obsolete("Fluid's synchronous writer; WriteToAsync is the one rendering calls.")]
        public override void WriteTo(TextWriter writer, TextEncoder encoder, CultureInfo cultureInfo) => Touched();

        public override ValueTask WriteToAsync(TextWriter writer, TextEncoder encoder, CultureInfo cultureInfo)
        {
            Touched();
            return ValueTask.CompletedTask;
        }

        public override bool Equals(object? obj) => ReferenceEquals(this, obj);

        public override int GetHashCode() => Describe.GetHashCode(StringComparison.Ordinal);
    }
}
