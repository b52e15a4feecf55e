using Crm.Messaging.Contacts;
using Crm.Messaging.Templates;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>Liquid rendering over the allow-listed model, the welcome default, and the locale fallback (pure, no I/O).</summary>
public sealed class TemplateRendererTests
{
    private static readonly MessageTemplate Welcome = DefaultTemplates.Find(DefaultTemplates.Welcome, TemplateChannels.Email, "en")!;

    private static TemplateModel Model(string? name = "Ada Lovelace", string? rep = "Grace Hopper") =>
        TemplateModel.Of(new ContactCard("c-1", name, ["ada@example.com"]) { Locale = "pt-BR", Country = "BR", Birthday = new DateOnly(1815, 12, 10) })
            .Set("rep", "name", rep);

    private static string Render(string template, TemplateModel model)
    {
        var result = LiquidTemplates.Render(template, model);
        Assert.True(result.Succeeded, string.Join(", ", result.Missing.Select(m => m.Path)));
        return result.Text!;
    }

    [Fact]
    public void Welcome_greets_the_contact_by_name_and_names_the_rep()
    {
        var message = TemplateRenderer.Render(Welcome, Model()).Message!;

        Assert.Equal("Welcome, Ada Lovelace!", message.Subject);
        Assert.StartsWith("Hello Ada Lovelace,", message.Body, StringComparison.Ordinal);
        Assert.Contains("Grace Hopper is your personal contact", message.Body, StringComparison.Ordinal);
        Assert.EndsWith("Kind regards,\nGrace Hopper", message.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", message.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Welcome_without_a_name_uses_the_default(string? name)
    {
        var message = TemplateRenderer.Render(Welcome, Model(name)).Message!;

        Assert.Equal("Welcome, there!", message.Subject);
        Assert.StartsWith("Hello there,", message.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Welcome_trims_the_name()
    {
        Assert.Equal("Welcome, Ada!", TemplateRenderer.Render(Welcome, Model("  Ada ")).Message!.Subject);
    }

    [Fact]
    public void Welcome_without_a_rep_name_fails_naming_it_instead_of_writing_blank_text()
    {
        var render = TemplateRenderer.Render(Welcome, Model(rep: " "));

        Assert.Null(render.Message);
        Assert.Equal(["rep.name"], render.Missing.Select(m => m.Path));
    }

    [Theory]
    [InlineData("Hi {{contact.first_name}}!", "Hi Ada!")]
    [InlineData("Hi {{ contact.name | upcase }}!", "Hi ADA LOVELACE!")]
    [InlineData("{{ contact.country }}/{{ contact.locale }}/{{ contact.email }}", "BR/pt-BR/ada@example.com")]
    [InlineData("{{ contact.birthday }}", "1815-12-10")]
    [InlineData("{% if contact.phone %}call{% else %}write{% endif %}", "write")]
    [InlineData("{{ contact.phone | default: \"no phone\" }}", "no phone")]
    [InlineData("{% if order.id %}{{ order.id }}{% endif %}done", "done")]
    [InlineData("no placeholders", "no placeholders")]
    [InlineData("", "")]
    public void Liquid_renders_the_models_values(string template, string expected)
    {
        Assert.Equal(expected, Render(template, Model()));
    }

    [Fact]
    public void Numbers_and_lead_fields_the_caller_gives_render()
    {
        var model = Model().Set("order", "total", 1234.5m).Set("order", "currency", "EUR").Set("order", "items_count", 3).Set("lead", "source", "web");

        Assert.Equal("3 items, 1234.5 EUR (web)", Render("{{ order.items_count }} items, {{ order.total }} {{ order.currency }} ({{ lead.source }})", model));
    }

    [Fact]
    public void Output_is_plain_text_never_html_encoded()
    {
        var model = Model("Ada <b>&</b> \"Lovelace\"");

        Assert.Equal("Hi Ada <b>&</b> \"Lovelace\"", Render("Hi {{ contact.name }}", model));
    }

    [Fact]
    public void Values_are_inserted_as_values_never_as_template_code()
    {
        Assert.Equal("Hi {{ rep.name }}", Render("Hi {{ contact.name }}", Model("{{ rep.name }}")));
    }

    [Fact]
    public void Control_characters_in_values_become_spaces_so_headers_cannot_be_injected()
    {
        var render = TemplateRenderer.Render(Welcome, Model("Ada\r\nBcc: x@evil.test"));

        Assert.Equal("Welcome, Ada  Bcc: x@evil.test!", render.Message!.Subject);
    }

    [Fact]
    public void A_subject_keeps_no_line_break_and_a_body_no_control_character()
    {
        Assert.Equal("a b", LiquidTemplates.Clean("a\nb", singleLine: true));
        Assert.Equal("a\nb\tc", LiquidTemplates.Clean("a\r\nb\tc\u0007", singleLine: false));
    }

    [Fact]
    public void Every_missing_variable_is_named_at_once_and_nothing_is_rendered()
    {
        var model = TemplateModel.Of(new ContactCard("c-1", null, []));

        var result = LiquidTemplates.Render("Hello {{ contact.first_name }}, {{ rep.name | upcase }} {{ order.total | times: 2 }} {{ contact.first_name }}", model);

        Assert.Null(result.Text);
        Assert.Equal(["contact.first_name", "rep.name", "order.total"], result.Missing.Select(m => m.Path));
    }

    [Theory]
    [InlineData("Hi {{ name }}", "name")]
    [InlineData("Hi {{ contact.frist_name }}", "contact.frist_name")]
    [InlineData("Hi {{ contact }}", "contact")]
    [InlineData("Hi {{ contact.address.city }}", "contact.address")]
    [InlineData("Hi {{ contact.frist_name | default: \"there\" }}", "contact.frist_name")]
    [InlineData("Hi{% if nmae %} {{ contact.name }}{% endif %}", "nmae")]
    [InlineData("Hi {{ order.id | upcase }}", "order.id")]
    public void Unknown_variables_fail_too(string template, string path)
    {
        var result = LiquidTemplates.Render(template, Model());

        Assert.False(result.Succeeded);
        Assert.Equal(path, Assert.Single(result.Missing).Path);
    }

    [Fact]
    public void Default_covers_a_missing_value_and_a_condition_on_it_is_no_use_of_it()
    {
        var model = TemplateModel.Of(new ContactCard("c-1", null, []));

        Assert.Equal("Hello there!", Render("Hello {{ contact.first_name | default: \"there\" }}!", model));
        Assert.Equal("Hello!", Render("Hello{% if contact.first_name %} {{ contact.first_name }}{% endif %}!", model));
    }

    [Fact]
    public void A_runaway_template_renders_nothing_and_says_why()
    {
        var result = LiquidTemplates.Render("{% for i in (1..1000000) %}x{% endfor %}", Model());

        Assert.False(result.Succeeded);
        Assert.Equal("(template)", Assert.Single(result.Missing).Path);
    }

    [Fact]
    public void A_missing_value_is_not_unknown_but_an_unknown_variable_is()
    {
        var result = LiquidTemplates.Render("{{ order.id }} {{ orders.id }}", Model());

        Assert.Equal([("order.id", false), ("orders", true)], result.Missing.Select(m => (m.Path, m.Unknown)));
    }

    [Theory]
    [InlineData("Hi {{ contact.name ", 1)]
    [InlineData("line one\nHi {% if contact.name %}", 2)]
    [InlineData("a\nb\n{{ contact.name | }}", 3)]
    public void A_template_that_does_not_parse_reports_line_and_column(string template, int line)
    {
        Assert.Null(LiquidTemplates.TryParse(template, out var error));
        Assert.NotNull(error);
        Assert.Equal(line, error.Line);
        Assert.NotNull(error.Column);
        Assert.StartsWith($"Line {line}, column ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pt-BR", "en", new[] { "pt-BR", "pt", "en" })]
    [InlineData("pt-br", "en", new[] { "pt-BR", "pt", "en" })]
    [InlineData("pt_BR", "en", new[] { "pt-BR", "pt", "en" })]
    [InlineData("pt", "en", new[] { "pt", "en" })]
    [InlineData("en-GB", "en", new[] { "en-GB", "en" })]
    [InlineData(null, "en", new[] { "en" })]
    [InlineData("  ", "en", new[] { "en" })]
    [InlineData("not a locale", "en", new[] { "en" })]
    [InlineData("es-419", "pt-BR", new[] { "es-419", "es", "pt-BR", "pt" })]
    public void Locale_fallback_is_the_contacts_locale_then_its_language_then_the_default(string? contact, string defaultLocale, string[] expected)
    {
        Assert.Equal(expected, Locales.Fallback(contact, defaultLocale));
    }
}
