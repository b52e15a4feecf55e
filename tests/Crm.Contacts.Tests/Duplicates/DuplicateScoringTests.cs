using Crm.Contacts.Contacts;
using Crm.Contacts.Duplicates;
using Crm.Contacts.Identity;
using Xunit;

namespace Crm.Contacts.Tests.Duplicates;

public sealed class DuplicateScoringTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static Contact Person(string id, string? name, string[]? emails = null, string[]? phones = null, PostalAddress? address = null) => new()
    {
        Id = id,
        Name = name,
        Emails = emails ?? [],
        Phones = phones ?? [],
        Address = address,
        CreatedAt = Now,
        UpdatedAt = Now,
        Version = 1,
    };

    [Fact]
    public void Names_in_another_order_or_with_one_misspelt_word_share_a_blocking_key()
    {
        var anna = MatchKeys.For(Person("a", "Anna Schmidt"));
        var reversed = MatchKeys.For(Person("b", "Schmidt, Anna"));
        var misspelt = MatchKeys.For(Person("c", "Ana Schmidt"));

        Assert.Equal(anna, reversed);
        Assert.Contains("n:schmidt|a", misspelt);
        Assert.Contains("n:schmidt|a", anna);
        Assert.DoesNotContain(MatchKeys.For(Person("d", "Anna")), k => k.StartsWith("n:", StringComparison.Ordinal));
    }

    [Fact]
    public void Keys_fold_mailbox_names_phone_endings_and_addresses_and_skip_role_mailboxes()
    {
        Assert.Equal("annaschmidt", MatchKeys.LocalPart("anna.schmidt+news@gmail.com"));
        Assert.Null(MatchKeys.LocalPart("info@shop.de"));
        Assert.Null(MatchKeys.LocalPart("ab@x.de"));
        Assert.Equal("01234567", MatchKeys.PhoneEnding("+49301234567"));
        Assert.Equal(MatchKeys.AddressKey(new PostalAddress("Hauptstraße 5", "10115", "Berlin")), MatchKeys.AddressKey(new PostalAddress("Hauptstr. 5", "10115", null)));
        Assert.Null(MatchKeys.AddressKey(new PostalAddress(null, "10115", "Berlin")));
        Assert.Equal("jose muller", MatchKeys.Fold("  José  Müller "));
        Assert.Contains("e:annaschmidt", MatchKeys.For(Person("a", null, ["anna.schmidt@web.de", "info@web.de"])));
        Assert.DoesNotContain("e:info", MatchKeys.For(Person("a", null, ["info@web.de"])));
    }

    [Fact]
    public void A_similar_name_with_the_same_mailbox_name_elsewhere_is_a_candidate_with_both_reasons()
    {
        var (score, reasons) = DuplicateScoring.Score(
            Person("a", "Anna Schmidt", ["anna.schmidt@gmail.com"]),
            Person("b", "Ana Schmitt", ["annaschmidt@web.de"]));

        Assert.True(score >= DuplicateScoring.CandidateThreshold, $"score {score}");
        Assert.Equal([DuplicateReason.SimilarName, DuplicateReason.SameMailbox], reasons.Select(r => r.Kind));
        Assert.InRange(reasons[0].Similarity, DuplicateScoring.NameThreshold, 0.99);
    }

    [Fact]
    public void A_name_alone_or_an_address_alone_is_never_a_candidate()
    {
        var sameName = DuplicateScoring.Score(Person("a", "Anna Schmidt", ["a1@x.de"]), Person("b", "Anna Schmidt", ["b2@y.de"]));
        var family = DuplicateScoring.Score(
            Person("a", "Anna Schmidt", address: new PostalAddress("Hauptstraße 5", "10115", "Berlin")),
            Person("b", "Peter Schmidt", address: new PostalAddress("Hauptstr. 5", "10115", "Berlin")));

        Assert.Equal(0.6, sameName.Score);
        Assert.True(sameName.Score < DuplicateScoring.CandidateThreshold);
        Assert.Equal([DuplicateReason.SameAddress], family.Reasons.Select(r => r.Kind));
        Assert.True(family.Score < DuplicateScoring.CandidateThreshold);
    }

    [Fact]
    public void A_name_with_the_same_address_or_the_same_phone_ending_under_another_country_code_is_a_candidate()
    {
        var address = new PostalAddress("Hauptstraße 5", "10115", "Berlin");
        var moved = DuplicateScoring.Score(Person("a", "Anna Schmidt", address: address), Person("b", "Anna Schmidt", address: address with { Street = "Hauptstr. 5" }));
        var phone = DuplicateScoring.Score(Person("a", "Jan Nowak", phones: ["+48601234567"]), Person("b", "Someone Else", phones: ["+49601234567"]));
        var strangers = DuplicateScoring.Score(Person("a", "Anna Schmidt", ["anna@x.de"], ["+49301111111"]), Person("b", "Jan Nowak", ["jan@y.de"], ["+48602222222"]));

        Assert.Equal(0.8, moved.Score);
        Assert.Equal(0.7, phone.Score);
        Assert.Equal([DuplicateReason.SamePhoneEnding], phone.Reasons.Select(r => r.Kind));
        Assert.Equal(0, strangers.Score);
        Assert.Empty(strangers.Reasons);
    }

    [Fact]
    public void A_resolve_whose_email_and_phone_belong_to_two_contacts_is_a_conflict_and_moves_nothing()
    {
        var older = Person("c-old", "Anna", ["anna@example.com"]) with { CreatedAt = Now.AddDays(-2) };
        var newer = Person("c-new", "Peter", phones: ["+49301234567"]) with { CreatedAt = Now.AddDays(-1) };
        var command = new ResolveCommand { Name = "Anna", Email = "anna@example.com", Phone = "+49301234567" };
        var owners = new Dictionary<ContactIdentity, string>
        {
            [ContactIdentity.Email("anna@example.com")] = "c-old",
            [ContactIdentity.Phone("+49301234567")] = "c-new",
        };

        var plan = ContactResolution.Plan(command, owners, [newer, older], "unused", Now);

        Assert.Equal("c-old", plan.Contact.Id);
        Assert.False(plan.Changed);
        Assert.Empty(plan.NewIdentities);
        Assert.Equal([new ConflictMatch("email", "c-old"), new ConflictMatch("phone", "c-new")], plan.Conflicts);

        var single = ContactResolution.Plan(command with { Phone = null }, new Dictionary<ContactIdentity, string> { [ContactIdentity.Email("anna@example.com")] = "c-old" }, [older], "unused", Now);
        Assert.Empty(single.Conflicts);
    }
}
