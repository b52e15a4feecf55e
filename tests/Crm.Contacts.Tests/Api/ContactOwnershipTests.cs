using System.Net;
using Crm.Contacts.Grpc;
using Crm.Contacts.Ownership;
using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>
/// A rep sees a contact only when one of its leads is assigned to them, a team lead when one is their team's;
/// managers, admins and API keys see every contact. Any other contact is 404, exactly like an unknown one.
/// </summary>
public sealed class ContactOwnershipTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    private Task<string> NewContactAsync() => _api.NewContactAsync("Ana");

    private Task AssignAsync(string contactId, string leadId, string rep, string? team, DateTimeOffset? at = null) => _api.AssignAsync(contactId, rep, team, leadId, at);

    private async Task<HttpStatusCode> GetAsAsync(CallerIdentity caller, string contactId)
    {
        using var client = factory.CreateClient().As(caller);
        using var response = await client.GetAsync($"/api/contacts/{contactId}");
        return response.StatusCode;
    }

    [Fact]
    public async Task A_rep_sees_the_contact_of_their_lead_and_another_rep_gets_404()
    {
        var contact = await NewContactAsync();
        await AssignAsync(contact, $"lead-{Guid.NewGuid():N}", "rep-a", "north");

        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-a", "north"), contact));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-b", "north"), contact));
    }

    [Fact]
    public async Task A_team_lead_sees_their_teams_contacts_only()
    {
        var north = await NewContactAsync();
        var south = await NewContactAsync();
        await AssignAsync(north, $"lead-{Guid.NewGuid():N}", "rep-a", "north");
        await AssignAsync(south, $"lead-{Guid.NewGuid():N}", "rep-c", "south");
        var lead = TestIdentity.Person(PersonRoles.TeamLead, "lead-n", "north");

        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(lead, north));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsAsync(lead, south));
    }

    [Theory]
    [InlineData(PersonRoles.Manager)]
    [InlineData(PersonRoles.Admin)]
    public async Task Managers_and_admins_see_every_contact_even_one_without_leads(string role)
    {
        var contact = await NewContactAsync();

        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(TestIdentity.Person(role, subject: role + "-1"), contact));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-a"), contact));
    }

    [Fact]
    public async Task A_contact_with_leads_of_two_reps_is_seen_by_both_and_a_reassigned_lead_moves_with_its_owner()
    {
        var contact = await NewContactAsync();
        var first = $"lead-{Guid.NewGuid():N}";
        var second = $"lead-{Guid.NewGuid():N}";
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        await AssignAsync(contact, first, "rep-a", null, t0);
        await AssignAsync(contact, second, "rep-b", null, t0);

        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-a"), contact));
        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-b"), contact));

        await AssignAsync(contact, first, "rep-c", null, t0.AddMinutes(1));

        Assert.Equal(HttpStatusCode.NotFound, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-a"), contact));
        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-c"), contact));
    }

    [Fact]
    public void An_older_assignment_of_a_lead_changes_no_owner()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var owners = new ContactOwners { Id = "c1" }.WithAssignment("l1", "rep-new", null, t0.AddMinutes(2))!;

        Assert.Null(owners.WithAssignment("l1", "rep-old", null, t0.AddMinutes(1)));
        Assert.Null(owners.WithAssignment("l1", "rep-new", null, t0.AddMinutes(2)));
        Assert.Equal(["rep-new"], owners.Leads.Select(l => l.RepId));
    }

    public void Dispose() => _api.Dispose();
}
