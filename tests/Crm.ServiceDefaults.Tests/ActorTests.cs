using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Microsoft.Extensions.Options;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>The caller as events and records name who did something (<see cref="CallerIdentity.ToActor"/>).</summary>
public sealed class ActorTests
{
    [Fact]
    public void A_stored_key_is_named_by_its_id_and_a_configured_key_by_its_name()
    {
        var configured = TestIdentity.Key("web-shop", "leads:write");

        Assert.Equal(new Actor { Kind = "key", Id = "web-shop", Name = "web-shop" }, configured.ToActor());
        Assert.Equal(new Actor { Kind = "key", Id = "key-0193", Name = "web-shop" }, (configured with { KeyId = "key-0193" }).ToActor());
    }

    [Fact]
    public void A_person_is_named_by_their_subject_with_their_role()
    {
        var person = new CallerIdentity("sub-42", CallerIdentity.PersonKind, "Rita Rep", new HashSet<string>()) { Role = PersonRoles.Rep, RepId = "rep-a", TeamId = "north" };

        Assert.Equal(new Actor { Kind = "person", Id = "sub-42", Name = "Rita Rep", Role = "rep" }, person.ToActor());
    }

    [Fact]
    public void The_platform_acts_as_system()
    {
        Assert.Equal(("system", "crm", null), (Actor.System.Kind, Actor.System.Id, Actor.System.Role));
    }

    [Fact]
    public async Task The_key_id_travels_in_the_signed_identity()
    {
        using var validator = new InternalIdentityValidator(Options.Create(new InternalIdentityOptions { PublicKeyPem = TestIdentity.PublicKeyPem }), TimeProvider.System);
        var stored = TestIdentity.Key("pos", "leads:write") with { KeyId = "key-7" };

        var (caller, error) = await validator.ValidateAsync(TestIdentity.TokenFor(stored));
        var (configured, _) = await validator.ValidateAsync(TestIdentity.TokenFor(TestIdentity.Key("pos", "leads:write")));

        Assert.Null(error);
        Assert.Equal("key-7", caller!.KeyId);
        Assert.Null(configured!.KeyId);
        Assert.Equal(new Actor { Kind = "key", Id = "key-7", Name = "pos" }, caller.ToActor());
    }
}
