using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

/// <summary>
/// GDPR erasure through the gateway on real processes: a captured, assigned and welcomed person is erased; Contacts
/// forgets them at once and every other service (Leads, Assignment, Messaging, Analytics) confirms over the broker.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ErasureTests(Platform platform) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => platform.EnsureRepTakingLeadsAsync("Eve Erasure");

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected) => platform.SendAsync(method, path, body, expected);

    [Fact]
    public async Task An_erased_person_is_confirmed_by_all_five_services_and_no_personal_data_is_left_to_read()
    {
        var email = $"erika.{Guid.NewGuid():N}@example.com";
        var surname = "Erasure" + string.Concat(Guid.NewGuid().ToString("N")[..8].Select(c => (char)('a' + (c % 26))));
        var subscriber = Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var lead = await platform.SendAsync(
            HttpMethod.Post,
            "/api/leads",
            new { name = $"Erika {surname}", email, phone = $"+49 30 {subscriber}", source = "spring-landing", channel = "web" },
            HttpStatusCode.Created,
            new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") });
        var leadId = lead.GetProperty("id").GetString()!;
        var contactId = lead.GetProperty("contactId").GetString()!;
        await Poll.UntilAsync(
            async () => (await SendAsync(HttpMethod.Get, $"/api/messaging/messages?contactId={contactId}", null, HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
                .Any(m => m.GetProperty("to").GetString() == email),
            "the welcome e-mail to be sent",
            Deadline);

        var requested = await SendAsync(HttpMethod.Post, $"/api/contacts/{contactId}/erasure", null, HttpStatusCode.Accepted);
        var requestId = requested.GetProperty("requestId").GetString()!;
        var done = await Poll.ForAsync(
            async () => await SendAsync(HttpMethod.Get, $"/api/contacts/erasures/{requestId}", null, HttpStatusCode.OK) is var status
                && status.GetProperty("status").GetString() == "completed" ? (JsonElement?)status : null,
            "every service to confirm the erasure",
            Deadline);
        Assert.Equal(
            ["analytics", "assignment", "contacts", "leads", "messaging"],
            done!.Value.GetProperty("confirmations").EnumerateArray().Select(c => c.GetProperty("service").GetString()).Order(StringComparer.Ordinal));

        await SendAsync(HttpMethod.Get, $"/api/contacts/{contactId}", null, HttpStatusCode.NotFound);
        var erasedLead = await SendAsync(HttpMethod.Get, $"/api/leads/{leadId}", null, HttpStatusCode.OK);
        foreach (var field in new[] { "name", "email", "phone" })
        {
            Assert.True(!erasedLead.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null, $"the lead still has its {field}: {value}");
        }

        var messages = await SendAsync(HttpMethod.Get, $"/api/messaging/messages?contactId={contactId}", null, HttpStatusCode.OK);
        Assert.DoesNotContain(email, messages.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Erika", messages.GetRawText(), StringComparison.Ordinal);

        // Nothing personal is left in any store of any process: documents, outbox, inbox, idempotency records, timers
        // (the outbox is emptied as the broker confirms, so poll until then).
        string[] personal = [email, surname, subscriber];
        IReadOnlyList<StoreScan.Finding> left = [];
        var clean = await Poll.ForAsync(
            async () => (left = await StoreScan.FindAsync(platform.DataDirectory, personal)).Count == 0 ? (bool?)true : null,
            "no personal data of the erased person in any store",
            Deadline).ContinueWith(t => t.IsCompletedSuccessfully);
        Assert.True(clean, "Personal data left after the erasure: " + string.Join("; ", left.Select(f => $"{f.Store}/{f.Table} row {f.Row} holds '{f.Needle}'")));
    }
}
