using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>The role table and the ownership rule every service applies (<see cref="CallerIdentity.Sees"/>).</summary>
public sealed class OwnershipRuleTests
{
    [Theory]
    [InlineData(PersonRoles.Rep, "rep-a", "north", true)]
    [InlineData(PersonRoles.Rep, "rep-b", "north", false)]
    [InlineData(PersonRoles.Rep, null, "north", false)]
    [InlineData(PersonRoles.TeamLead, "lead-n", "north", true)]
    [InlineData(PersonRoles.TeamLead, "lead-s", "south", false)]
    [InlineData(PersonRoles.TeamLead, "rep-a", "south", true)]
    [InlineData(PersonRoles.Manager, null, null, true)]
    [InlineData(PersonRoles.Admin, null, null, true)]
    [InlineData("superuser", "rep-a", "north", false)]
    public void A_person_sees_a_lead_of_rep_a_in_team_north_by_the_rule(string role, string? rep, string? team, bool sees) =>
        Assert.Equal(sees, TestIdentity.Person(role, rep, team).Sees("rep-a", "north"));

    [Fact]
    public void An_api_key_sees_everything_and_nobody_but_managers_admins_and_keys_sees_an_unowned_record()
    {
        Assert.True(TestIdentity.Key("sync", "leads:read").Sees(null, null));
        Assert.False(TestIdentity.Person(PersonRoles.Rep, "rep-a", "north").Sees(null, null));
        Assert.False(TestIdentity.Person(PersonRoles.TeamLead, "lead-n", "north").Sees(null, null));
        Assert.True(TestIdentity.Person(PersonRoles.Manager).Sees(null, null));
    }

    [Fact]
    public void A_record_with_several_owners_is_seen_when_any_one_is_the_callers()
    {
        var rep = TestIdentity.Person(PersonRoles.Rep, "rep-b");

        Assert.True(rep.SeesAny([("rep-a", "north"), ("rep-b", null)]));
        Assert.False(rep.SeesAny([("rep-a", "north")]));
        Assert.False(rep.SeesAny([]));
    }

    [Fact]
    public void The_role_table()
    {
        Assert.Equal(["assignment:read", "assignment:write", "contacts:read", "leads:read", "leads:write", "messaging:read", "messaging:write"], PersonRoles.ScopesOf(PersonRoles.Rep)!.Order(StringComparer.Ordinal));
        Assert.Equal(PersonRoles.ScopesOf(PersonRoles.Rep)!.Append("analytics:read").Order(StringComparer.Ordinal), PersonRoles.ScopesOf(PersonRoles.TeamLead)!.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(PersonRoles.ScopesOf(PersonRoles.Manager)!, s => s.EndsWith(":admin", StringComparison.Ordinal));
        Assert.All(Scopes.Services, s => Assert.True(Scopes.Grants(PersonRoles.ScopesOf(PersonRoles.Manager)!, s, Access.Write)));
        Assert.Equal(Scopes.AllAdmin.Order(StringComparer.Ordinal), PersonRoles.ScopesOf(PersonRoles.Admin)!.Order(StringComparer.Ordinal));
        Assert.Null(PersonRoles.ScopesOf("superuser"));
        Assert.All(PersonRoles.ScopesByRole.Values.SelectMany(s => s), s => Assert.True(Scopes.IsKnown(s), s));
    }
}
