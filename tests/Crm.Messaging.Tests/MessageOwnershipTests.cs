using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Assignment;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>
/// The message list for people: a rep gets only the messages about leads that were theirs when sent, a team lead
/// their team's; a contact or lead that is not theirs gives an empty list (like one without messages). Managers,
/// admins and API keys get every message of the filter.
/// </summary>
public sealed class MessageOwnershipTests(MessagingApiFactory factory) : IClassFixture<MessagingApiFactory>
{
    private Task<LeadAssigned> WelcomedAsync(string rep, string? team) => factory.WelcomedAsync(rep, team);

    /// <summary>The status and the listed messages' lead ids, comma-separated.</summary>
    private async Task<(HttpStatusCode Status, string Leads)> ListAsAsync(CallerIdentity caller, string query)
    {
        using var client = factory.CreateClient().As(caller);
        using var response = await client.GetAsync(new Uri($"/api/messaging/messages?{query}", UriKind.Relative));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, "");
        }

        var page = (await response.Content.ReadFromJsonAsync<Page<MessageResponse>>(CrmClient.JsonOptions))!;
        return (response.StatusCode, string.Join(',', page.Items.Select(m => m.LeadId)));
    }

    [Fact]
    public async Task A_rep_lists_the_messages_of_their_lead_and_gets_an_empty_list_for_another_reps()
    {
        var mine = await WelcomedAsync("rep-a", "north");
        var theirs = await WelcomedAsync("rep-b", "north");
        var rep = TestIdentity.Person(PersonRoles.Rep, "rep-a", "north");

        Assert.Equal((HttpStatusCode.OK, mine.LeadId), await ListAsAsync(rep, $"leadId={mine.LeadId}"));
        Assert.Equal((HttpStatusCode.OK, mine.LeadId), await ListAsAsync(rep, $"contactId={mine.ContactId}"));
        Assert.Equal((HttpStatusCode.OK, ""), await ListAsAsync(rep, $"leadId={theirs.LeadId}"));
        Assert.Equal((HttpStatusCode.OK, ""), await ListAsAsync(rep, $"contactId={theirs.ContactId}"));
    }

    [Fact]
    public async Task A_team_lead_lists_their_teams_messages_only()
    {
        var north = await WelcomedAsync("rep-a", "north");
        var south = await WelcomedAsync("rep-c", "south");
        var lead = TestIdentity.Person(PersonRoles.TeamLead, "lead-n", "north");

        Assert.Equal((HttpStatusCode.OK, north.LeadId), await ListAsAsync(lead, $"contactId={north.ContactId}"));
        Assert.Equal((HttpStatusCode.OK, ""), await ListAsAsync(lead, $"contactId={south.ContactId}"));
    }

    [Fact]
    public async Task Managers_list_every_message_of_a_filter_and_nobody_without_messaging_admin_lists_them_all()
    {
        var sent = await WelcomedAsync("rep-a", "north");

        Assert.Equal((HttpStatusCode.OK, sent.LeadId), await ListAsAsync(TestIdentity.Person(PersonRoles.Manager, subject: "m-1"), $"leadId={sent.LeadId}"));
        Assert.Equal(HttpStatusCode.Forbidden, (await ListAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-a"), "")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ListAsAsync(TestIdentity.Person(PersonRoles.Manager, subject: "m-1"), "")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ListAsAsync(TestIdentity.Person(PersonRoles.Admin, subject: "a-1"), "limit=1")).Status);
    }
}
