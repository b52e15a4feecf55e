using Crm.Messaging.Templates;
using Xunit;

namespace Crm.Messaging.Tests;

public sealed class TemplateRendererTests
{
    private static readonly Dictionary<string, string> Values = new(StringComparer.Ordinal) { ["name"] = "Ada", ["rep"] = "Grace" };

    private readonly TemplateRenderer _renderer = new();

    [Fact]
    public void Welcome_greets_the_contact_by_name_and_names_the_rep()
    {
        var message = _renderer.RenderWelcome("Ada Lovelace", "Grace Hopper");

        Assert.Equal("Welcome, Ada Lovelace!", message.Subject);
        Assert.StartsWith("Hello Ada Lovelace,", message.Body, StringComparison.Ordinal);
        Assert.Contains("Grace Hopper is your personal contact", message.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", message.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Welcome_without_a_name_uses_the_fallback(string? name)
    {
        var message = _renderer.RenderWelcome(name, "Grace");

        Assert.Equal("Welcome, there!", message.Subject);
        Assert.StartsWith("Hello there,", message.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Welcome_trims_the_name()
    {
        Assert.Equal("Welcome, Ada!", _renderer.RenderWelcome("  Ada ", "Grace").Subject);
    }

    [Theory]
    [InlineData("Hi {{name}}!", "Hi Ada!")]
    [InlineData("Hi {{ name }}!", "Hi Ada!")]
    [InlineData("Hi {{   name   }}!", "Hi Ada!")]
    [InlineData("{{ name }}{{ rep }}", "AdaGrace")]
    [InlineData("{{ rep }} and {{ name }} and {{ rep }}", "Grace and Ada and Grace")]
    [InlineData("no placeholders", "no placeholders")]
    [InlineData("", "")]
    [InlineData("a } b { c }}", "a } b { c }}")]
    public void Render_replaces_every_placeholder(string template, string expected)
    {
        Assert.Equal(expected, TemplateRenderer.Render(template, Values));
    }

    [Fact]
    public void Render_does_not_expand_placeholders_inside_values()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = "{{ rep }}", ["rep"] = "Grace" };

        Assert.Equal("Hi {{ rep }}", TemplateRenderer.Render("Hi {{ name }}", values));
    }

    [Fact]
    public void Render_replaces_control_characters_in_values_so_headers_cannot_be_injected()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = "Ada\r\nBcc: x@evil.test" };

        Assert.Equal("Welcome, Ada  Bcc: x@evil.test!", TemplateRenderer.Render("Welcome, {{ name }}!", values));
    }

    [Theory]
    [InlineData("Hi {{ unknown }}")]
    [InlineData("Hi {{ name ")]
    [InlineData("Hi {{ }}")]
    [InlineData("Hi {{ name | upcase }}")]
    [InlineData("Hi {{ 1name }}")]
    public void Render_rejects_broken_templates(string template)
    {
        Assert.Throws<FormatException>(() => TemplateRenderer.Render(template, Values));
    }
}
