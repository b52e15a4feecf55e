using System.Net;
using Crm.Contacts.Contacts;
using Crm.Contacts.Grpc;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary><c>PATCH /api/contacts/{id}</c> through the public HTTP API: merge patch, If-Match, identities and their owners.</summary>
public sealed class ContactProfileTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    [Fact]
    public async Task Every_profile_field_round_trips_normalised_and_ContactUpdated_carries_it()
    {
        var email = ContactApi.NewEmail();
        var id = await _api.NewContactAsync("Anna Schmidt", email);
        var second = ContactApi.NewEmail();
        var subscriber = ContactApi.NewSubscriber();
        var shopId = $"C-{Guid.NewGuid():N}";

        var (status, body, etag) = await _api.PatchAsync(id, new
        {
            emails = new[] { email, second.ToUpperInvariant() },
            phones = new[] { $"030 {subscriber}" },
            externalIds = new[] { new { kind = "Shop", value = $" {shopId} " }, new { kind = "device", value = "ios-4f2a" + subscriber } },
            locale = "de-de",
            timeZone = "Europe/Berlin",
            country = "de",
            region = "  Berlin ",
            birthday = "1990-04-23",
            lifecycleStage = "customer",
            tags = new[] { "VIP", " newsletter ", "vip" },
        }, "\"1\"");

        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal("\"2\"", etag);
        var contact = await _api.GetAsync(id);
        Assert.Equal([email, second], contact.Emails);
        Assert.Equal(email, contact.PrimaryEmail);
        Assert.Equal([$"+4930{subscriber}"], contact.Phones);
        Assert.Equal($"+4930{subscriber}", contact.PrimaryPhone);
        Assert.Equal([("shop", shopId), ("device", "ios-4f2a" + subscriber)], contact.ExternalIds.Select(e => (e.Kind, e.Value)));
        Assert.Equal(("de-DE", "Europe/Berlin", "DE", "Berlin"), (contact.Locale, contact.TimeZone, contact.Country, contact.Region));
        Assert.Equal(new DateOnly(1990, 4, 23), contact.Birthday);
        Assert.Equal(LifecycleStage.Customer, contact.LifecycleStage);
        Assert.Equal(["vip", "newsletter"], contact.Tags);
        Assert.Equal(2, contact.Version);
        await Poll.UntilAsync(
            () => factory.Harness.Published.Any<ContactUpdated>(m => m.Context.Message.ContactId == id && m.Context.Message.Version == 2
                && m.Context.Message.Locale == "de-DE" && m.Context.Message.LifecycleStage == "customer"
                && m.Context.Message.ExternalIds.Contains($"shop:{shopId}") && m.Context.Message.ChangedFields.Contains("tags")),
            "ContactUpdated with the profile");

        // The identities added here are owned like resolved ones: a resolve by the new phone finds this contact.
        var resolved = await _api.Directory.ResolveContactAsync(new ResolveContactRequest { Phone = $"+49 30 {subscriber}" });
        Assert.Equal(id, resolved.Contact.ContactId);
    }

    [Fact]
    public async Task An_absent_member_is_never_erased_and_null_clears()
    {
        var id = await _api.NewContactAsync("Ben");
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { locale = "en-GB", tags = new[] { "a" }, birthday = "1985-01-02", region = "Kent" })).Status);

        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { country = "GB" })).Status);
        var afterOmission = await _api.GetAsync(id);
        Assert.Equal(("Ben", "en-GB", "GB", "Kent"), (afterOmission.Name, afterOmission.Locale, afterOmission.Country, afterOmission.Region));
        Assert.Equal(["a"], afterOmission.Tags);
        Assert.Single(afterOmission.Emails);
        Assert.Equal(new DateOnly(1985, 1, 2), afterOmission.Birthday);

        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, """{ "locale": null, "birthday": null, "tags": null, "region": null }""")).Status);
        var cleared = await _api.GetAsync(id);
        Assert.Equal((null, null, "GB", "Ben"), (cleared.Locale, cleared.Region, cleared.Country, cleared.Name));
        Assert.Null(cleared.Birthday);
        Assert.Empty(cleared.Tags);
        Assert.Single(cleared.Emails);
    }

    [Fact]
    public async Task A_patch_that_changes_nothing_keeps_the_version()
    {
        var id = await _api.NewContactAsync("Cleo");
        var (_, first, _) = await _api.PatchAsync(id, new { locale = "fr" });
        var (status, again, etag) = await _api.PatchAsync(id, new { locale = "fr" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, first["version"]!.GetValue<long>());
        Assert.Equal(2, again["version"]!.GetValue<long>());
        Assert.Equal("\"2\"", etag);
    }

    [Fact]
    public async Task A_stale_If_Match_is_412_and_changes_nothing()
    {
        var id = await _api.NewContactAsync("Dora");
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { locale = "de" }, "\"1\"")).Status);

        var (status, problem, _) = await _api.PatchAsync(id, new { locale = "fr" }, "\"1\"");

        Assert.Equal(HttpStatusCode.PreconditionFailed, status);
        Assert.Contains("version 2", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("de", (await _api.GetAsync(id)).Locale);
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { locale = "fr" }, "W/\"2\"")).Status);
    }

    [Fact]
    public async Task Every_bad_field_is_named_at_once_and_nothing_changes()
    {
        var id = await _api.NewContactAsync("Emil");

        var (status, problem, _) = await _api.PatchAsync(id, new
        {
            emails = new[] { "ok@example.com", "not-an-email" },
            phones = new[] { "12" },
            externalIds = new[] { new { kind = "shop", value = "" } },
            locale = "not a locale",
            timeZone = "Mars/Olympus",
            country = "XX",
            region = new string('r', 101),
            birthday = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(2)).ToString("yyyy-MM-dd"),
            lifecycleStage = "vip",
            tags = new[] { "ok", "" },
            customFields = new { unknown = 1 },
            version = 9,
            isAdmin = true,
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(
            new[] { "birthday", "country", "customFields.unknown", "emails[1]", "externalIds[0]", "isAdmin", "lifecycleStage", "locale", "phones[0]", "region", "tags[1]", "timeZone", "version" }.Order(StringComparer.Ordinal),
            ContactApi.ErrorFields(problem).Order(StringComparer.Ordinal));
        Assert.Equal(1, (await _api.GetAsync(id)).Version);
    }

    [Fact]
    public async Task A_body_is_checked_before_the_contact_is_looked_up_and_an_unknown_contact_is_404()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _api.PatchAsync("no-such-contact", new { isAdmin = true })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.PatchAsync("no-such-contact", new { locale = "de" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _api.PatchAsync("no-such-contact", "[1]")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _api.PatchAsync("no-such-contact", "{ \"locale\": ")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _api.PatchAsync("no-such-contact", """{ "locale": "de", "locale": "fr" }""")).Status);
    }

    [Fact]
    public async Task An_identity_of_another_contact_is_409_naming_the_field_and_is_never_taken()
    {
        var theirEmail = ContactApi.NewEmail();
        var theirs = await _api.NewContactAsync("Other", theirEmail);
        var shopId = $"C-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(theirs, new { externalIds = new[] { new { kind = "shop", value = shopId } } })).Status);
        var mine = await _api.NewContactAsync("Mine");

        var (status, problem, _) = await _api.PatchAsync(mine, new { emails = new[] { theirEmail.ToUpperInvariant() }, externalIds = new[] { new { kind = "shop", value = shopId } }, locale = "de" });

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(["emails", "externalIds"], ContactApi.ErrorFields(problem).Order(StringComparer.Ordinal));
        var unchanged = await _api.GetAsync(mine);
        Assert.Equal((1L, (string?)null), (unchanged.Version, unchanged.Locale));
        var resolved = await _api.Directory.ResolveContactAsync(new ResolveContactRequest { Email = theirEmail });
        Assert.Equal(theirs, resolved.Contact.ContactId);
        Assert.Equal([theirEmail], (await _api.GetAsync(theirs)).Emails);
    }

    [Fact]
    public async Task A_removed_identity_is_released_and_reordering_changes_the_primary()
    {
        var first = ContactApi.NewEmail();
        var second = ContactApi.NewEmail();
        var id = await _api.NewContactAsync("Finn", first);
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { emails = new[] { first, second } })).Status);
        Assert.Equal(first, (await _api.GetAsync(id)).PrimaryEmail);

        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { emails = new[] { second, first } })).Status);
        Assert.Equal(second, (await _api.GetAsync(id)).PrimaryEmail);

        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { emails = new[] { second } })).Status);
        var other = await _api.NewContactAsync("Gil");
        var (status, body, _) = await _api.PatchAsync(other, new { emails = new[] { first } });
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal(other, (await _api.Directory.ResolveContactAsync(new ResolveContactRequest { Email = first })).Contact.ContactId);
    }

    [Fact]
    public async Task A_rep_changes_only_a_contact_of_their_leads_and_needs_the_write_scope()
    {
        var id = await _api.NewContactAsync("Hana");
        await _api.AssignAsync(id, "rep-a", "north");
        var writer = (string rep) => new CallerIdentity($"rep-{rep}", CallerIdentity.PersonKind, rep, new HashSet<string>(["contacts:read", "contacts:write"], StringComparer.Ordinal)) { Role = PersonRoles.Rep, RepId = rep };

        Assert.Equal(HttpStatusCode.NotFound, (await _api.PatchAsync(id, new { locale = "de" }, caller: writer("rep-b"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(id, new { locale = "de" }, caller: writer("rep-a"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.PatchAsync(id, new { locale = "fr" }, caller: TestIdentity.Person(PersonRoles.Rep, "rep-a"))).Status);
        Assert.Equal("de", (await _api.GetAsync(id)).Locale);
    }

    [Fact]
    public async Task Contacts_stored_before_the_profile_read_with_defaults()
    {
        var id = await _api.NewContactAsync("Ida");
        var stored = await _api.Store.GetAsync(ContactCollections.Contacts, id);

        Assert.NotNull(stored);
        Assert.Equal(LifecycleStage.Lead, stored.LifecycleStage);
        var legacy = Crm.ServiceDefaults.Storage.DocumentJson.Deserialize<Contact>("""{"id":"x","name":"Old","emails":["o@x.de"],"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z","version":3}""");
        Assert.Equal((LifecycleStage.Lead, 0, 0, 0), (legacy.LifecycleStage, legacy.Tags.Count, legacy.ExternalIds.Count, legacy.CustomFields.Count));
    }

    public void Dispose() => _api.Dispose();
}
