using System.Net;
using System.Net.Http.Json;
using Crm.Assignment.Assignments;
using Crm.Client;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Assignment.Tests.Api;

/// <summary>Creating and changing a rep publishes <c>RepCreated</c> / <c>RepChanged</c> (outbox) naming the admin who did it, and the rep keeps it too.</summary>
public sealed class RepAuditTests(CrmServiceFactory<AssignmentEntryPoint> factory) : IClassFixture<CrmServiceFactory<AssignmentEntryPoint>>
{
    private static readonly Actor AdminKey = new() { Kind = "key", Id = "test-admin", Name = "test-admin" };

    private IDocumentStore Store => factory.Services.GetRequiredService<IDocumentStore>();

    private static Task<T> PublishedAsync<T>(ITestHarness harness, Func<T, bool> match)
        where T : class =>
        Poll.ForAsync(
            () => Task.FromResult(harness.Published.Select<T>(x => match(x.Context.Message)).FirstOrDefault()?.Context.Message),
            $"{typeof(T).Name} to be published");

    [Fact]
    public async Task Creating_a_rep_publishes_RepCreated_by_the_admin()
    {
        var ada = TestIdentity.Person(PersonRoles.Admin, subject: "ada-0007");
        using var admin = factory.CreateClient().As(ada);

        using var response = await admin.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = "Audit Ann", Capacity = 7, TeamId = "north" }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rep = (await response.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        var created = await PublishedAsync<RepCreated>(factory.Harness, e => e.RepId == rep.Id);
        var expected = new Actor { Kind = "person", Id = "ada-0007", Name = "ada-0007", Role = "admin" };
        Assert.Equal(expected, created.ChangedBy);
        Assert.Equal(("Audit Ann", 7, true, "north", 1L), (created.Name, created.Capacity, created.Active, created.TeamId, created.Version));
        Assert.Equal(rep.CreatedAt, created.OccurredAt);
        Assert.Equal(expected, (await Store.GetAsync(AssignmentCollections.Reps, rep.Id))!.CreatedBy);
    }

    [Fact]
    public async Task Changing_a_rep_publishes_RepChanged_with_the_rep_after_the_change_by_the_admin()
    {
        using var admin = factory.CreateClient();
        var rep = await admin.CreateRepAsync("Audit Bea", 3);

        using var unchanged = await admin.PatchAsJsonAsync($"/api/assignment/reps/{rep.Id}", new UpdateRepRequest { Capacity = 3 }, CrmClient.JsonOptions);
        using var patched = await admin.PatchAsJsonAsync($"/api/assignment/reps/{rep.Id}", new UpdateRepRequest { Capacity = 9, Active = false }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.OK, unchanged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var changed = await PublishedAsync<RepChanged>(factory.Harness, e => e.RepId == rep.Id);
        Assert.Equal(AdminKey, changed.ChangedBy);
        Assert.Equal(("Audit Bea", 9, false, (string?)null, 2L), (changed.Name, changed.Capacity, changed.Active, changed.TeamId, changed.Version));
        Assert.Equal(AdminKey, (await PublishedAsync<RepCreated>(factory.Harness, e => e.RepId == rep.Id)).ChangedBy);
        Assert.Single(factory.Harness.Published.Select<RepChanged>(x => x.Context.Message.RepId == rep.Id));
        var stored = (await Store.GetAsync(AssignmentCollections.Reps, rep.Id))!;
        Assert.Equal((AdminKey, AdminKey, 2L), (stored.CreatedBy, stored.UpdatedBy, stored.Version));
    }
}
