using System.Net;
using System.Text.Json;
using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

/// <summary>
/// Merge and un-merge through the gateway on real processes: two captures make two contacts whose leads are assigned;
/// the merge re-keys the leads in Leads and Assignment to the survivor over the broker, and its undo moves them back.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class MergeTests(Platform platform) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => platform.EnsureRepTakingLeadsAsync("Maya Merge");

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected) => platform.SendAsync(method, path, body, expected);

    private async Task<(string LeadId, string ContactId)> CaptureAssignedAsync(string name)
    {
        var lead = await SendAsync(HttpMethod.Post, "/api/leads", new { name, email = $"{Guid.NewGuid():N}@example.com", source = "merge-landing", channel = "web" }, HttpStatusCode.Created);
        var leadId = lead.GetProperty("id").GetString()!;
        await Poll.UntilAsync(
            async () => (await SendAsync(HttpMethod.Get, $"/api/assignment/leads/{leadId}", null, HttpStatusCode.OK)).TryGetProperty("repId", out var rep) && rep.ValueKind == JsonValueKind.String,
            $"{name}'s lead to be assigned",
            Deadline);
        return (leadId, lead.GetProperty("contactId").GetString()!);
    }

    private async Task<IReadOnlyList<string>> LeadsOfAsync(string contactId) =>
        [.. (await SendAsync(HttpMethod.Get, $"/api/leads?contactId={contactId}", null, HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetString()!).Order(StringComparer.Ordinal)];

    private async Task<string?> AssignmentContactAsync(string leadId) =>
        (await SendAsync(HttpMethod.Get, $"/api/assignment/leads/{leadId}", null, HttpStatusCode.OK)).GetProperty("contactId").GetString();

    [Fact]
    public async Task A_merge_re_keys_leads_and_assignments_to_the_survivor_and_its_undo_moves_them_back()
    {
        var (survivorLead, survivor) = await CaptureAssignedAsync("Mara Merge");
        var (mergedLead, merged) = await CaptureAssignedAsync("Mara M. Merge");
        Assert.NotEqual(survivor, merged);

        var merge = await SendAsync(HttpMethod.Post, "/api/contacts/merges", new { survivorId = survivor, mergedIds = new[] { merged } }, HttpStatusCode.Created);
        var mergeId = merge.GetProperty("id").GetString()!;
        string[] both = [.. new[] { survivorLead, mergedLead }.Order(StringComparer.Ordinal)];
        await Poll.UntilAsync(async () => (await LeadsOfAsync(survivor)).SequenceEqual(both), "Leads to show both leads under the survivor", Deadline);
        await Poll.UntilAsync(async () => await AssignmentContactAsync(mergedLead) == survivor, "Assignment to re-key the merged contact's lead", Deadline);
        Assert.Equal(survivor, await AssignmentContactAsync(survivorLead));
        Assert.Empty(await LeadsOfAsync(merged));
        await SendAsync(HttpMethod.Get, $"/api/contacts/{merged}", null, HttpStatusCode.NotFound);

        var undone = await SendAsync(HttpMethod.Post, $"/api/contacts/merges/{mergeId}/undo", null, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.String, undone.GetProperty("undoneAt").ValueKind);
        await Poll.UntilAsync(async () => (await LeadsOfAsync(merged)).SequenceEqual([mergedLead]), "Leads to move the lead back", Deadline);
        await Poll.UntilAsync(async () => await AssignmentContactAsync(mergedLead) == merged, "Assignment to move the lead back", Deadline);
        Assert.Equal([survivorLead], await LeadsOfAsync(survivor));
        Assert.Equal(survivor, await AssignmentContactAsync(survivorLead));
        await SendAsync(HttpMethod.Get, $"/api/contacts/{merged}", null, HttpStatusCode.OK);
    }
}
