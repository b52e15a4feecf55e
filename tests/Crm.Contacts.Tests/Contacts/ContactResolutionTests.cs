using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contracts.Contacts;
using Xunit;

namespace Crm.Contacts.Tests.Contacts;

public sealed class ContactResolutionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<ContactIdentity, string> NoOwners = [];

    private static Contact Existing(string id, DateTimeOffset createdAt, string? name = null, string[]? emails = null, string[]? phones = null, long version = 3) => new()
    {
        Id = id,
        Name = name,
        Emails = emails ?? [],
        Phones = phones ?? [],
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
        Version = version,
    };

    [Fact]
    public void An_unknown_person_is_created_with_every_identity_and_ContactCreated()
    {
        var command = new ResolveCommand { Name = "Anna", Email = "anna@example.com", Phone = "+49301234567" };

        var plan = ContactResolution.Plan(command, NoOwners, [], "new-id", Now);

        Assert.True(plan.Created);
        Assert.False(plan.Changed);
        Assert.Equal(0, plan.ExpectedVersion);
        Assert.Equal("new-id", plan.Contact.Id);
        Assert.Equal("Anna", plan.Contact.Name);
        Assert.Equal(["anna@example.com"], plan.Contact.Emails);
        Assert.Equal(["+49301234567"], plan.Contact.Phones);
        Assert.Equal(Now, plan.Contact.CreatedAt);
        Assert.Equal(Now, plan.Contact.UpdatedAt);
        Assert.Equal(1, plan.Contact.Version);
        Assert.Equal(command.Identities, plan.NewIdentities);
        var created = Assert.IsType<ContactCreated>(plan.Event);
        Assert.Equal("new-id", created.ContactId);
        Assert.Equal("Anna", created.Name);
        Assert.Equal(["anna@example.com"], created.Emails);
        Assert.Equal(["+49301234567"], created.Phones);
        Assert.Equal(Now, created.OccurredAt);
        Assert.NotEqual(Guid.Empty, created.EventId);
    }

    [Fact]
    public void A_known_identity_returns_its_contact_unchanged_without_an_event()
    {
        var anna = Existing("c1", Now.AddDays(-1), "Anna", phones: ["+49301234567"]);
        var command = new ResolveCommand { Name = "Someone Else", Phone = "+49301234567" };

        var plan = ContactResolution.Plan(command, new Dictionary<ContactIdentity, string> { [ContactIdentity.Phone("+49301234567")] = "c1" }, [anna], "new-id", Now);

        Assert.False(plan.Created);
        Assert.False(plan.Changed);
        Assert.Same(anna, plan.Contact);
        Assert.Empty(plan.NewIdentities);
        Assert.Null(plan.Event);
    }

    [Fact]
    public void A_known_phone_with_a_new_email_adds_the_email_and_publishes_ContactUpdated()
    {
        var anna = Existing("c1", Now.AddDays(-1), "Anna", emails: ["old@example.com"], phones: ["+49301234567"], version: 3);
        var command = new ResolveCommand { Email = "new@example.com", Phone = "+49301234567" };

        var plan = ContactResolution.Plan(command, new Dictionary<ContactIdentity, string> { [ContactIdentity.Phone("+49301234567")] = "c1" }, [anna], "new-id", Now);

        Assert.False(plan.Created);
        Assert.True(plan.Changed);
        Assert.Equal(3, plan.ExpectedVersion);
        Assert.Equal(4, plan.Contact.Version);
        Assert.Equal(["old@example.com", "new@example.com"], plan.Contact.Emails);
        Assert.Equal(["+49301234567"], plan.Contact.Phones);
        Assert.Equal(Now, plan.Contact.UpdatedAt);
        Assert.Equal(anna.CreatedAt, plan.Contact.CreatedAt);
        Assert.Equal("Anna", plan.Contact.Name);
        Assert.Equal([ContactIdentity.Email("new@example.com")], plan.NewIdentities);
        var updated = Assert.IsType<ContactUpdated>(plan.Event);
        Assert.Equal("c1", updated.ContactId);
        Assert.Equal(4, updated.Version);
        Assert.Equal(["old@example.com", "new@example.com"], updated.Emails);
    }

    [Fact]
    public void A_contact_without_a_name_learns_it()
    {
        var nameless = Existing("c1", Now.AddDays(-1), emails: ["a@b.cd"]);
        var command = new ResolveCommand { Name = "Anna", Email = "a@b.cd" };

        var plan = ContactResolution.Plan(command, new Dictionary<ContactIdentity, string> { [ContactIdentity.Email("a@b.cd")] = "c1" }, [nameless], "new-id", Now);

        Assert.True(plan.Changed);
        Assert.Equal("Anna", plan.Contact.Name);
        Assert.Empty(plan.NewIdentities);
        Assert.Equal("Anna", Assert.IsType<ContactUpdated>(plan.Event).Name);
    }

    [Fact]
    public void A_known_name_is_not_overwritten()
    {
        var anna = Existing("c1", Now.AddDays(-1), "Anna", emails: ["a@b.cd"]);

        var plan = ContactResolution.Plan(new ResolveCommand { Name = "Bob", Email = "a@b.cd" }, new Dictionary<ContactIdentity, string> { [ContactIdentity.Email("a@b.cd")] = "c1" }, [anna], "new-id", Now);

        Assert.False(plan.Changed);
        Assert.Equal("Anna", plan.Contact.Name);
    }

    [Fact]
    public void When_email_and_phone_belong_to_different_contacts_the_oldest_is_returned_and_nothing_moves()
    {
        var older = Existing("c-old", Now.AddDays(-10), "Old", emails: ["a@b.cd"]);
        var newer = Existing("c-new", Now.AddDays(-1), "New", phones: ["+49301234567"]);
        var owners = new Dictionary<ContactIdentity, string>
        {
            [ContactIdentity.Email("a@b.cd")] = "c-old",
            [ContactIdentity.Phone("+49301234567")] = "c-new",
        };

        var plan = ContactResolution.Plan(new ResolveCommand { Email = "a@b.cd", Phone = "+49301234567" }, owners, [newer, older], "new-id", Now);

        Assert.Equal("c-old", plan.Contact.Id);
        Assert.False(plan.Changed);
        Assert.Empty(plan.NewIdentities);
        Assert.Equal(["a@b.cd"], plan.Contact.Emails);
        Assert.Empty(plan.Contact.Phones);
    }

    [Fact]
    public void Contacts_created_at_the_same_time_are_ordered_by_id()
    {
        var b = Existing("b", Now.AddDays(-1), phones: ["+49301234567"]);
        var a = Existing("a", Now.AddDays(-1), emails: ["a@b.cd"]);
        var owners = new Dictionary<ContactIdentity, string>
        {
            [ContactIdentity.Email("a@b.cd")] = "a",
            [ContactIdentity.Phone("+49301234567")] = "b",
        };

        var plan = ContactResolution.Plan(new ResolveCommand { Email = "a@b.cd", Phone = "+49301234567" }, owners, [b, a], "new-id", Now);

        Assert.Equal("a", plan.Contact.Id);
    }

    [Fact]
    public void Identities_pointing_to_a_missing_contact_are_an_error()
    {
        var owners = new Dictionary<ContactIdentity, string> { [ContactIdentity.Email("a@b.cd")] = "gone" };

        Assert.Throws<InvalidOperationException>(() => ContactResolution.Plan(new ResolveCommand { Email = "a@b.cd" }, owners, [], "new-id", Now));
    }

    [Fact]
    public void A_command_without_identities_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => ContactResolution.Plan(new ResolveCommand { Name = "Anna" }, NoOwners, [], "new-id", Now));
    }
}
