using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contacts.Profile;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage.Mongo;
using Xunit;

namespace Crm.Contacts.Tests.Profile;

/// <summary>The profile's value rules and the merge patch, pure.</summary>
public sealed class ProfileValuesTests
{
    private static readonly DateOnly Today = new(2026, 11, 30);

    [Theory]
    [InlineData("de-de", "de-DE")]
    [InlineData("EN", "en")]
    [InlineData("en_GB", "en-GB")]
    [InlineData("zh-hant-tw", "zh-Hant-TW")]
    [InlineData("es-419", "es-419")]
    public void A_locale_is_a_BCP_47_tag_in_canonical_case(string input, string expected) =>
        Assert.Equal(expected, ProfileValues.Locale(input).Value);

    [Theory]
    [InlineData("")]
    [InlineData("german")]
    [InlineData("de DE")]
    [InlineData("d")]
    public void Other_locales_are_refused(string input) => Assert.False(ProfileValues.Locale(input).IsValid);

    [Theory]
    [InlineData("Europe/Berlin", true)]
    [InlineData("America/Sao_Paulo", true)]
    [InlineData("UTC", true)]
    [InlineData("Mars/Olympus", false)]
    [InlineData("W. Europe Standard Time", false)]
    [InlineData("", false)]
    public void A_time_zone_is_an_IANA_id(string input, bool valid) => Assert.Equal(valid, ProfileValues.TimeZone(input).IsValid);

    [Theory]
    [InlineData("de", "DE")]
    [InlineData(" at ", "AT")]
    [InlineData("XX", null)]
    [InlineData("DEU", null)]
    public void A_country_is_ISO_3166_alpha_2(string input, string? expected) => Assert.Equal(expected, ProfileValues.Country(input).Value);

    [Fact]
    public void A_birthday_is_not_in_the_future_nor_before_1900()
    {
        Assert.Null(ProfileValues.BirthdayProblem(Today, Today));
        Assert.NotNull(ProfileValues.BirthdayProblem(Today.AddDays(1), Today));
        Assert.NotNull(ProfileValues.BirthdayProblem(new DateOnly(1899, 12, 31), Today));
    }

    [Fact]
    public void Tags_and_names_are_compared_lower_case()
    {
        Assert.Equal("vip", ProfileValues.Tag("  VIP ").Value);
        Assert.False(ProfileValues.Tag("a,b").IsValid);
        Assert.False(ProfileValues.Tag(new string('t', 51)).IsValid);
        Assert.Equal("anna schmidt", ProfileValues.NameKey("  Anna \t Schmidt "));
        Assert.Null(ProfileValues.NameKey("  "));
    }

    [Fact]
    public void A_patch_changes_only_what_it_names_and_reports_what_changed()
    {
        var contact = Contact() with { Locale = "de-DE", Tags = ["a"] };
        var errors = new ValidationErrors();
        var changes = ContactPatch.Parse(JsonNode.Parse("""{ "tags": ["B", "b"], "country": "at", "region": null }""")!.AsObject(), FieldDefinitions.Empty, "DE", Today, errors);

        var (updated, changed) = ContactPatch.Apply(contact, changes, FieldDefinitions.Empty, errors);

        Assert.True(errors.IsEmpty);
        Assert.Equal(["country", "tags"], changed.Order(StringComparer.Ordinal));
        Assert.Equal(("de-DE", "AT"), (updated.Locale, updated.Country));
        Assert.Equal(["b"], updated.Tags);
        Assert.Equal(contact.Emails, updated.Emails);
    }

    [Fact]
    public void Custom_field_values_are_checked_against_their_definition()
    {
        var definitions = FieldDefinitions.Empty with
        {
            Definitions =
            [
                new FieldDefinition("size", "Size", CustomFieldType.Number, false, []),
                new FieldDefinition("plan", "Plan", CustomFieldType.Enum, true, ["basic", "premium"]),
                new FieldDefinition("since", "Since", CustomFieldType.Date, false, []),
            ],
        };
        var errors = new ValidationErrors();
        ContactPatch.Parse(JsonNode.Parse("""{ "customFields": { "size": "3", "plan": "gold", "since": "2026-02-30", "other": true } }""")!.AsObject(), definitions, "DE", Today, errors);
        Assert.Equal(["customFields.other", "customFields.plan", "customFields.since", "customFields.size"], errors.ToDictionary().Keys.Order(StringComparer.Ordinal));

        errors = new ValidationErrors();
        var changes = ContactPatch.Parse(JsonNode.Parse("""{ "customFields": { "size": 3.5 } }""")!.AsObject(), definitions, "DE", Today, errors);
        ContactPatch.Apply(Contact(), changes, definitions, errors);
        Assert.Equal(["customFields.plan"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void A_contact_with_its_profile_keeps_every_field_in_BSON()
    {
        var contact = Contact() with
        {
            ExternalIds = [new ExternalId("shop", "C-1")],
            Locale = "de-DE",
            TimeZone = "Europe/Berlin",
            Country = "DE",
            Region = "Berlin",
            Birthday = new DateOnly(1990, 4, 23),
            LifecycleStage = LifecycleStage.Customer,
            Tags = ["vip"],
            CustomFields = new Dictionary<string, JsonElement> { ["size"] = JsonSerializer.SerializeToElement(4), ["optIn"] = JsonSerializer.SerializeToElement(true) },
        };

        var bson = BsonDocuments.ToBson(contact);
        var read = BsonDocuments.FromBson<Contact>(bson);

        Assert.Equal(("customer", "anna schmidt"), (bson["lifecycleStage"].AsString, bson["nameKey"].AsString));
        Assert.Equal(contact.ExternalIds, read.ExternalIds);
        Assert.Equal(contact.Tags, read.Tags);
        Assert.Equal((4, true), (read.CustomFields["size"].GetInt32(), read.CustomFields["optIn"].GetBoolean()));
        Assert.Equal(contact with { ExternalIds = read.ExternalIds, Tags = read.Tags, CustomFields = read.CustomFields }, read with { Emails = contact.Emails, Phones = contact.Phones });
        var owner = IdentityOwner.For(ContactIdentity.External("shop", "C-1"), "c1", contact.CreatedAt);
        Assert.Equal(("external:shop:C-1", "C-1", "shop"), (owner.Id, owner.Value, owner.Scheme));
        Assert.Equal(owner, BsonDocuments.FromBson<IdentityOwner>(BsonDocuments.ToBson(owner)));
    }

    private static Contact Contact() => new()
    {
        Id = "c1",
        Name = "Anna Schmidt",
        Emails = ["a@b.cd"],
        Phones = ["+49301234567"],
        CreatedAt = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
        Version = 1,
    };
}
