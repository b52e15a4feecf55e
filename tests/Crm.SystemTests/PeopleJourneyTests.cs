using System.Net;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Api.Leads;
using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

/// <summary>
/// A person through the real gateway and services: a rep's token (signed by the provider the gateway was told to
/// trust) reads the rep's own lead and gets 404 for another rep's, like for a lead that does not exist.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class PeopleJourneyTests(Platform platform)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_rep_reads_their_own_lead_and_gets_404_for_another_reps()
    {
        // Two active reps at least, so round robin gives consecutive leads to different reps.
        var pia = await platform.Api.CreateRepAsync(new CreateRepRequest { Name = "Pia People", Capacity = 1000, TeamId = "north" });
        Assert.Equal(HttpStatusCode.Created, pia.StatusCode);
        var other = await platform.Api.CreateRepAsync(new CreateRepRequest { Name = "Olaf Other", Capacity = 1000, TeamId = "south" });
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        var piaId = pia.Content!.Id;

        LeadResponse? mine = null;
        LeadResponse? theirs = null;
        for (var i = 0; i < 8 && (mine is null || theirs is null); i++)
        {
            var captured = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest { Email = $"people.{Guid.NewGuid():N}@example.com", Source = "people-test", Channel = Channel.Web });
            Assert.Equal(HttpStatusCode.Created, captured.StatusCode);
            var assigned = await Poll.ForAsync(
                async () => (await platform.Api.GetLeadAsync(captured.Content!.Id)).Content is { OwnerId: not null } l ? l : null,
                "the lead to be assigned",
                Deadline);
            if (assigned.OwnerId == piaId)
            {
                mine ??= assigned;
            }
            else
            {
                theirs ??= assigned;
            }
        }

        Assert.NotNull(mine);
        Assert.NotNull(theirs);
        Assert.Equal("north", mine.OwnerTeamId);

        var rep = CrmClient.Create(platform.Gateway, platform.People.Token("rep", rep: piaId, team: "north", subject: "pia@example.com", name: "Pia People"));
        var own = await rep.GetLeadAsync(mine.Id);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(piaId, own.Content!.OwnerId);

        var foreign = await rep.GetLeadAsync(theirs.Id);
        var unknown = await rep.GetLeadAsync(Guid.NewGuid().ToString("N"));
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The rep's own contact is visible; creating reps is administration.
        Assert.Equal(HttpStatusCode.OK, (await rep.GetContactAsync(mine.ContactId!)).StatusCode);
        var createRep = await rep.CreateRepAsync(new CreateRepRequest { Name = "Eve", Capacity = 1 });
        Assert.Equal(HttpStatusCode.Forbidden, createRep.StatusCode);

        // A token the gateway was not told to trust: 401.
        using var stranger = new TestPeople();
        var forged = CrmClient.Create(platform.Gateway, stranger.Token("admin"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetLeadAsync(mine.Id)).StatusCode);
    }
}
