using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>/api/messaging/templates (stored templates, If-Match, Liquid errors, preview with fallback and missing variables) and the welcome rendered from them.</summary>
public sealed class TemplateApiTests(MessagingApiFactory factory) : IClassFixture<MessagingApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_template_is_created_replaced_under_If_Match_listed_and_deleted()
    {
        var key = NewKey();
        using var client = factory.CreateClient();

        using var created = await PutAsync(client, $"{key}/sms/pt-br", new { purpose = "marketing", body = "Oi {{ contact.first_name | default: \"você\" }}" }, ifMatch: "0");
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        var stored = (await created.Content.ReadFromJsonAsync<MessageTemplateResponse>(CrmClient.JsonOptions))!;
        Assert.Equal((key, "sms", "pt-BR", "marketing", 1L, false), (stored.Key, stored.Channel, stored.Locale, stored.Purpose, stored.Version, stored.Default));

        using var stale = await PutAsync(client, $"{key}/sms/pt-BR", new { purpose = "marketing", body = "x" }, ifMatch: "0");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        using var replaced = await PutAsync(client, $"{key}/sms/pt-BR", new { purpose = "transactional", body = "Olá" }, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);

        var got = await client.GetAsync(new Uri($"/api/messaging/templates/{key}/sms/pt-BR", UriKind.Relative));
        Assert.Equal("\"2\"", got.Headers.ETag?.Tag);
        Assert.Equal(("Olá", "transactional"), await got.Content.ReadFromJsonAsync<MessageTemplateResponse>(CrmClient.JsonOptions) is { } t ? (t.Body, t.Purpose) : default);
        var list = await client.GetFromJsonAsync<Page<MessageTemplateResponse>>(new Uri($"/api/messaging/templates?key={key}", UriKind.Relative), CrmClient.JsonOptions);
        Assert.Equal([(key, "sms", "pt-BR", 2L)], list!.Items.Select(i => (i.Key, i.Channel, i.Locale, i.Version)));

        using var staleDelete = await SendAsync(client, HttpMethod.Delete, $"/api/messaging/templates/{key}/sms/pt-BR", null, "1");
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.StatusCode);
        using var deleted = await SendAsync(client, HttpMethod.Delete, $"/api/messaging/templates/{key}/sms/pt-BR", null, "2");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"/api/messaging/templates/{key}/sms/pt-BR", UriKind.Relative))).StatusCode);
        using var again = await SendAsync(client, HttpMethod.Delete, $"/api/messaging/templates/{key}/sms/pt-BR", null, null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task The_welcome_default_is_listed_and_readable_as_version_0()
    {
        using var client = factory.CreateClient();

        var list = await client.GetFromJsonAsync<Page<MessageTemplateResponse>>(new Uri("/api/messaging/templates?key=welcome", UriKind.Relative), CrmClient.JsonOptions);
        var welcome = Assert.Single(list!.Items, t => t.Channel == "email" && t.Locale == "en");
        Assert.True(welcome.Default);
        Assert.Equal(0, welcome.Version);
        Assert.Contains("{{ contact.name | default: \"there\" }}", welcome.Subject, StringComparison.Ordinal);
        using var got = await client.GetAsync(new Uri("/api/messaging/templates/welcome/email/en", UriKind.Relative));
        Assert.Equal("\"0\"", got.Headers.ETag?.Tag);
    }

    [Theory]
    [InlineData("email", """{ "purpose": "transactional", "subject": "Hi", "body": "Hello\n{% if contact.name %}" }""", "body", "Line 2, column ")]
    [InlineData("email", """{ "purpose": "transactional", "subject": "Hi {{ contact.name ", "body": "x" }""", "subject", "Line 1, column ")]
    [InlineData("email", """{ "purpose": "transactional", "body": "x" }""", "subject", "Required")]
    [InlineData("email", """{ "purpose": "transactional", "subject": "a\nb", "body": "x" }""", "subject", "One line")]
    [InlineData("email", """{ "purpose": "promo", "subject": "a", "body": "x" }""", "purpose", "transactional or marketing")]
    [InlineData("email", """{ "purpose": "marketing", "subject": "a", "body": "x", "providerTemplate": "welcome_1" }""", "providerTemplate", "Only for WhatsApp")]
    [InlineData("sms", """{ "purpose": "marketing", "subject": "a", "body": "x" }""", "subject", "no subject")]
    [InlineData("sms", """{ "purpose": "marketing", "body": " " }""", "body", "Required")]
    [InlineData("whatsapp", """{ "purpose": "marketing", "body": "x", "providerLanguage": "pt_BR" }""", "providerLanguage", "Only with providerTemplate")]
    [InlineData("whatsapp", """{ "purpose": "marketing", "body": "x", "providerTemplate": "Bad Name" }""", "providerTemplate", "lower-case")]
    [InlineData("sms", """{ "purpose": "marketing", "body": "Hi {{ name }}" }""", "body", "name: Not a template variable")]
    [InlineData("email", """{ "purpose": "marketing", "subject": "Hi {{ contact.frist_name | default: 'x' | upcase }}", "body": "x" }""", "subject", "contact.frist_name: Not a field of contact")]
    [InlineData("sms", """{ "purpose": "marketing", "body": "{{ order }}" }""", "body", "order is a group of fields")]
    public async Task A_bad_template_is_a_400_naming_the_field(string channel, string json, string field, string reason)
    {
        using var client = factory.CreateClient();
        var key = NewKey();

        using var response = await SendAsync(client, HttpMethod.Put, $"/api/messaging/templates/{key}/{channel}/en", json, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var reasons = problem.RootElement.GetProperty("errors").GetProperty(field).EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Contains(reasons, r => r.Contains(reason, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"/api/messaging/templates/{key}/{channel}/en", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Lead_fields_and_locals_are_accepted_when_stored()
    {
        using var client = factory.CreateClient();

        using var response = await PutAsync(client, $"{NewKey()}/sms/en", new { purpose = "marketing", body = "{% assign who = contact.first_name | default: 'you' %}{{ who }}: {{ lead.source }} {{ lead.utm_campaign | default: '' }}" }, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("fax", "en")]
    [InlineData("email", "english please")]
    public async Task A_channel_or_locale_no_template_can_have_is_a_404(string channel, string locale)
    {
        using var client = factory.CreateClient();

        using var response = await PutAsync(client, $"{NewKey()}/{channel}/{Uri.EscapeDataString(locale)}", new { purpose = "marketing", subject = "a", body = "x" }, null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Reading_needs_messaging_read_and_writing_messaging_admin()
    {
        using var reader = factory.CreateClient().As(TestIdentity.Key("template-reader", "messaging:read"));
        using var writer = factory.CreateClient().As(TestIdentity.Key("template-writer", "messaging:write"));

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync(new Uri("/api/messaging/templates", UriKind.Relative))).StatusCode);
        using var put = await PutAsync(writer, $"{NewKey()}/sms/en", new { purpose = "marketing", body = "x" }, null);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Contains("messaging:admin", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var preview = await reader.PostAsJsonAsync(new Uri("/api/messaging/templates/welcome/preview", UriKind.Relative), new { channel = "email", variables = new { rep = new { name = "Grace" } } });
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
    }

    [Fact]
    public async Task A_rep_previews_with_variables_but_not_with_a_contacts_data()
    {
        using var rep = factory.CreateClient().As(TestIdentity.Person(Crm.ServiceDefaults.Security.PersonRoles.Rep, rep: "rep-preview"));
        var contact = factory.NewContact("Private");

        using var withVariables = await rep.PostAsJsonAsync(new Uri("/api/messaging/templates/welcome/preview", UriKind.Relative), new { channel = "email", variables = new { rep = new { name = "Grace" } } });
        using var withContact = await rep.PostAsJsonAsync(new Uri("/api/messaging/templates/welcome/preview", UriKind.Relative), new { channel = "email", contactId = contact.Id, variables = new { rep = new { name = "Grace" } } });

        Assert.Equal(HttpStatusCode.OK, withVariables.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withContact.StatusCode);
        var problem = await withContact.Content.ReadAsStringAsync();
        Assert.Contains("contact's data", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(contact.Name!, problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_falls_back_from_the_locale_to_its_language_then_the_default()
    {
        var key = NewKey();
        using var client = factory.CreateClient();
        (await PutAsync(client, $"{key}/email/pt", new { purpose = "transactional", subject = "Olá, {{ contact.name }}!", body = "{{ rep.name }} vai ligar." }, null)).Dispose();
        (await PutAsync(client, $"{key}/email/en", new { purpose = "transactional", subject = "Hi, {{ contact.name }}!", body = "{{ rep.name }} will call." }, null)).Dispose();
        var variables = new { contact = new { name = "Ada" }, rep = new { name = "Grace" } };

        var portuguese = await PreviewOkAsync(client, key, new { channel = "email", locale = "pt-BR", variables });
        var german = await PreviewOkAsync(client, key, new { channel = "email", locale = "de-DE", variables });

        Assert.Equal(("pt", "Olá, Ada!", "Grace vai ligar."), (portuguese.Locale, portuguese.Subject, portuguese.Body));
        Assert.Equal(("en", "Hi, Ada!", "Grace will call."), (german.Locale, german.Subject, german.Body));
        using var noSms = await client.PostAsJsonAsync(new Uri($"/api/messaging/templates/{key}/preview", UriKind.Relative), new { channel = "sms", variables });
        Assert.Equal(HttpStatusCode.NotFound, noSms.StatusCode);
    }

    [Fact]
    public async Task Preview_with_a_contact_uses_its_data_and_locale()
    {
        var key = NewKey();
        using var client = factory.CreateClient();
        (await PutAsync(client, $"{key}/sms/pt-BR", new { purpose = "marketing", body = "Oi {{ contact.first_name }} ({{ contact.country }}), pedido {{ order.id }}" }, null)).Dispose();
        var contact = factory.NewContact("Maria") with { Locale = "pt-BR", Country = "BR" };
        factory.Contacts.Add(contact);

        var preview = await PreviewOkAsync(client, key, new { channel = "sms", contactId = contact.Id, variables = new { order = new { id = "o-42" } } });

        Assert.Equal(("pt-BR", "Oi Maria (BR), pedido o-42", ""), (preview.Locale, preview.Body, preview.Subject));
    }

    [Fact]
    public async Task Preview_names_every_missing_variable_in_a_422()
    {
        var key = NewKey();
        using var client = factory.CreateClient();
        (await PutAsync(client, $"{key}/email/en", new { purpose = "marketing", subject = "Hi {{ contact.first_name }}", body = "{{ order.total }} {{ order.currency }} {{ lead.source | default: \"web\" }} {{ rep.name }}" }, null)).Dispose();

        using var response = await client.PostAsJsonAsync(new Uri($"/api/messaging/templates/{key}/preview", UriKind.Relative), new { channel = "email", variables = new { rep = new { name = "Grace" }, order = new { total = 10.5 } } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["contact.first_name", "order.currency"], fields);
    }

    [Theory]
    [InlineData("""{ "locale": "en" }""", "channel")]
    [InlineData("""{ "channel": "email", "locale": "?" }""", "locale")]
    [InlineData("""{ "channel": "email", "variables": { "account": { "id": "1" } } }""", "variables.account")]
    [InlineData("""{ "channel": "email", "variables": { "contact": { "password": "x" } } }""", "variables.contact.password")]
    [InlineData("""{ "channel": "email", "variables": { "rep": { "name": { "first": "G" } } } }""", "variables.rep.name")]
    [InlineData("""{ "channel": "email", "contactId": "unknown-contact" }""", "contactId")]
    public async Task Preview_rejects_bad_requests_naming_the_field(string json, string field)
    {
        using var client = factory.CreateClient();

        using var response = await SendAsync(client, HttpMethod.Post, "/api/messaging/templates/welcome/preview", json, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task The_welcome_is_written_from_the_stored_template_of_the_contacts_locale()
    {
        using var client = factory.CreateClient();
        (await PutAsync(client, "welcome/email/pt-BR", new { purpose = "transactional", subject = "Bem-vindo, {{ contact.first_name | default: \"você\" }}!", body = "Olá {{ contact.name }}, {{ rep.name }} vai ligar." }, null)).Dispose();
        var contact = factory.NewContact("Joana") with { Locale = "pt-BR" };
        factory.Contacts.Add(contact);
        var assigned = MessagingApiFactory.NewLeadAssigned(contact.Id);

        await factory.Harness.Bus.Publish(assigned);

        var message = await FinishedAsync(assigned.LeadId);
        Assert.Equal(("picked-up", "Bem-vindo, Joana!"), (message.Status, message.Subject));
        var email = MimeKit.MimeMessage.Load(Path.Combine(factory.PickupDirectory, $"{message.Id}.eml"));
        Assert.Equal($"Olá {contact.Name}, Grace Hopper vai ligar.", email.TextBody?.TrimEnd());
    }

    [Fact]
    public async Task A_welcome_whose_template_lacks_a_value_is_not_sent_and_recorded_as_failed()
    {
        using var client = factory.CreateClient();
        (await PutAsync(client, "welcome/email/de", new { purpose = "transactional", subject = "Willkommen, {{ contact.first_name }}!", body = "Hallo {{ contact.first_name }}" }, null)).Dispose();
        var contact = new ContactCard($"c-{Ids.New()}", null, [$"nameless.{Ids.New()[^8..]}@example.com"]) { Locale = "de-AT" };
        factory.Contacts.Add(contact);
        var assigned = MessagingApiFactory.NewLeadAssigned(contact.Id);
        using var recorder = new BusRecorder(factory.Harness.Bus);
        var messageId = NewId.NextGuid();

        await factory.Harness.Bus.Publish(assigned, ctx => ctx.MessageId = messageId);

        var message = await FinishedAsync(assigned.LeadId);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Finished(messageId) >= 1), "the LeadAssigned consumed", Timeout);
        Assert.Equal(("failed", "template", ""), (message.Status, message.Reason, message.Subject));
        Assert.False(File.Exists(Path.Combine(factory.PickupDirectory, $"{message.Id}.eml")));
        Assert.DoesNotContain(recorder.Published<MessageSent>(), m => m.LeadId == assigned.LeadId);
        Assert.False(await factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.LeadId == assigned.LeadId));
        var listed = await client.GetFromJsonAsync<Page<MessageResponse>>(new Uri($"/api/messaging/messages?leadId={assigned.LeadId}", UriKind.Relative), CrmClient.JsonOptions);
        Assert.Equal(("failed", "template"), (Assert.Single(listed!.Items).Status, listed.Items[0].Reason));
    }

    private static string NewKey() => $"t-{Ids.New()[^12..].ToLowerInvariant()}";

    private Task<Message> FinishedAsync(string leadId) => factory.WelcomeFinishedAsync(leadId);

    private static async Task<TemplatePreviewResponse> PreviewOkAsync(HttpClient client, string key, object request)
    {
        using var response = await client.PostAsJsonAsync(new Uri($"/api/messaging/templates/{key}/preview", UriKind.Relative), request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<TemplatePreviewResponse>(CrmClient.JsonOptions))!;
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string path, object body, string? ifMatch) =>
        SendAsync(client, HttpMethod.Put, $"/api/messaging/templates/{path}", JsonSerializer.Serialize(body), ifMatch);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? json, string? ifMatch)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await client.SendAsync(request);
    }
}
