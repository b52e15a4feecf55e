using System.Text.Json;
using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Merge;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Http;
using Xunit;

namespace Crm.Contacts.Tests.Merge;

/// <summary>Survivorship and the un-merge rule, pure.</summary>
public sealed class MergePlanningTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyDictionary<string, string> NoChoice = new Dictionary<string, string>();

    private static Contact Contact(string id, int createdDay, int updatedDay, Func<Contact, Contact>? with = null)
    {
        var contact = new Contact { Id = id, CreatedAt = T0.AddDays(createdDay), UpdatedAt = T0.AddDays(updatedDay), Version = 3 };
        return with is null ? contact : with(contact);
    }

    private static MergeRules Rules(params (string Field, SurvivorshipRule Rule)[] rules) =>
        MergeRules.Default with { Rules = rules.ToDictionary(r => r.Field, r => r.Rule) };

    [Fact]
    public void By_default_the_most_recently_updated_non_empty_value_wins_and_identities_and_tags_are_united()
    {
        var survivor = Contact("s", 0, 5, c => c with { Name = "Anna", Emails = ["a@x.de"], Phones = ["+49301111111"], Locale = "de-DE", Tags = ["vip", "newsletter"], ExternalIds = [new ExternalId("shop", "1")] });
        var merged = Contact("m", 1, 9, c => c with { Name = "Anna Schmidt", Emails = ["b@x.de", "a@x.de"], Locale = null, Country = "AT", Tags = ["newsletter", "b2c"], ExternalIds = [new ExternalId("shop", "2")], Address = new PostalAddress("Ring 1", "1010", "Wien") });

        var plan = MergePlanning.Plan(survivor, [merged], MergeRules.Default, NoChoice, T0.AddDays(10));

        var result = plan.Survivor;
        Assert.Equal("Anna Schmidt", result.Name);
        Assert.Equal("de-DE", result.Locale);
        Assert.Equal("AT", result.Country);
        Assert.Equal("Wien", result.Address!.City);
        Assert.Equal(["b@x.de", "a@x.de"], result.Emails);
        Assert.Equal(["+49301111111"], result.Phones);
        Assert.Equal(["vip", "newsletter", "b2c"], result.Tags);
        Assert.Equal([new ExternalId("shop", "1"), new ExternalId("shop", "2")], result.ExternalIds);
        Assert.Equal(("s", 4L, T0.AddDays(10)), (result.Id, result.Version, result.UpdatedAt));
        Assert.Equal("m", plan.Chosen["name"]);
        Assert.Equal("s", plan.Chosen["locale"]);
        Assert.Equal(["name", "emails", "externalIds", "country", "address", "tags"], plan.ChangedFields);
    }

    [Fact]
    public void Survivor_and_oldest_rules_and_an_explicit_choice_override_the_default()
    {
        var survivor = Contact("s", 2, 2, c => c with { Name = "Survivor", Locale = null, Region = "Bayern", Emails = ["s@x.de"] });
        var old = Contact("old", 0, 3, c => c with { Name = "Oldest", Locale = "fr-FR", Region = "Alsace", Emails = ["o@x.de"] });
        var recent = Contact("new", 1, 9, c => c with { Name = "Newest", Locale = "en-GB", Region = "Kent", Emails = ["n@x.de"] });

        var plan = MergePlanning.Plan(
            survivor,
            [old, recent],
            Rules(("name", SurvivorshipRule.Survivor), ("locale", SurvivorshipRule.Survivor), ("region", SurvivorshipRule.Oldest), ("emails", SurvivorshipRule.Survivor)),
            new Dictionary<string, string> { ["region"] = "new" },
            T0.AddDays(10));

        Assert.Equal("Survivor", plan.Survivor.Name);
        Assert.Equal("en-GB", plan.Survivor.Locale); // the survivor has none: most recent
        Assert.Equal("Kent", plan.Survivor.Region); // the request's choice beats the oldest rule
        Assert.Equal(["s@x.de", "o@x.de", "n@x.de"], plan.Survivor.Emails);

        var oldest = MergePlanning.Plan(survivor, [old, recent], Rules(("region", SurvivorshipRule.Oldest)), NoChoice, T0.AddDays(10));
        Assert.Equal("Alsace", oldest.Survivor.Region);
        Assert.Equal(["n@x.de", "s@x.de", "o@x.de"], oldest.Survivor.Emails);
    }

    [Fact]
    public void Custom_fields_are_picked_per_key()
    {
        static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
        var survivor = Contact("s", 0, 1, c => c with { CustomFields = new Dictionary<string, JsonElement> { ["plan"] = Json("\"basic\""), ["score"] = Json("3") } });
        var merged = Contact("m", 1, 2, c => c with { CustomFields = new Dictionary<string, JsonElement> { ["plan"] = Json("\"premium\""), ["vip"] = Json("true") } });

        var plan = MergePlanning.Plan(survivor, [merged], Rules(("customFields.score", SurvivorshipRule.Survivor)), new Dictionary<string, string> { ["customFields.plan"] = "s" }, T0.AddDays(3));

        Assert.Equal(["plan", "score", "vip"], plan.Survivor.CustomFields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("basic", plan.Survivor.CustomFields["plan"].GetString());
        Assert.Equal(3, plan.Survivor.CustomFields["score"].GetInt32());
        Assert.True(plan.Survivor.CustomFields["vip"].GetBoolean());
    }

    [Fact]
    public void Un_merge_restores_what_the_merge_set_keeps_what_changed_since_and_gives_back_what_it_brought_in()
    {
        var before = Contact("s", 0, 1, c => c with { Name = "Anna", Locale = "de-DE", Country = "DE", Emails = ["a@x.de"], Tags = ["vip"] });
        var merged = Contact("m", 1, 2, c => c with { Name = "Anna Schmidt", Locale = "en-GB", Country = "AT", Emails = ["b@x.de"], Tags = ["b2c"] });
        var after = MergePlanning.Plan(before, [merged], MergeRules.Default, NoChoice, T0.AddDays(3)).Survivor;
        Assert.Equal(["b@x.de", "a@x.de"], after.Emails);

        // Since the merge: the country was edited, an e-mail and a tag were added.
        var current = after with { Country = "CH", Emails = [.. after.Emails, "c@x.de"], Tags = [.. after.Tags, "later"], Version = after.Version + 1 };

        var plan = MergePlanning.Unmerge(current, before, after, T0.AddDays(5));

        Assert.Equal(("Anna", "de-DE", "CH"), (plan.Survivor.Name, plan.Survivor.Locale, plan.Survivor.Country));
        Assert.Equal(["a@x.de", "c@x.de"], plan.Survivor.Emails);
        Assert.Equal(["vip", "later"], plan.Survivor.Tags);
        Assert.Equal(current.Version + 1, plan.Survivor.Version);
        Assert.Equal(["name", "emails", "locale", "tags"], plan.ChangedFields);
    }

    [Fact]
    public void Summaries_add_up_owners_unite_and_split_back()
    {
        var a = new CustomerSummary { Id = "s", Orders = 1, FirstOrderAt = T0.AddDays(2), LastOrderAt = T0.AddDays(2), Totals = [new CurrencyTotal("EUR", 1, 1000)], LastMessageAt = T0 };
        var b = new CustomerSummary { Id = "m", Orders = 2, FirstOrderAt = T0, LastOrderAt = T0.AddDays(1), Totals = [new CurrencyTotal("EUR", 1, 500), new CurrencyTotal("CHF", 1, 700)] };
        var combined = MergeState.Combine(a, b);
        Assert.Equal(("s", 3, T0, T0.AddDays(2), T0), (combined.Id, combined.Orders, combined.FirstOrderAt!.Value, combined.LastOrderAt!.Value, combined.LastMessageAt!.Value));
        Assert.Equal([new CurrencyTotal("CHF", 1, 700), new CurrencyTotal("EUR", 2, 1500)], combined.Totals);

        var survivorOwners = new ContactOwners { Id = "s", Leads = [new LeadOwner { LeadId = "l1", RepId = "r1", AssignedAt = T0 }] };
        var mergedOwners = new ContactOwners { Id = "m", Leads = [new LeadOwner { LeadId = "l2", RepId = "r2", AssignedAt = T0 }] };
        var united = MergeState.Combine(survivorOwners, mergedOwners);
        Assert.Equal(["r1", "r2"], united.RepIds);

        // After the merge l2 went to r3: it goes back to the restored contact with its current owner.
        var later = united.WithAssignment("l2", "r3", null, T0.AddDays(1))!;
        var (survivor, restored) = MergeState.Split(later, mergedOwners);
        Assert.Equal(["r1"], survivor.RepIds);
        Assert.Equal(("m", "r3"), (restored.Id, Assert.Single(restored.Leads).RepId));
    }

    [Fact]
    public void Combined_consent_is_recorded_as_ledger_entries_for_what_changed()
    {
        var by = Actor.System;
        var granted = new ChannelConsent { Channel = "email", Status = "granted", LegalBasis = "consent", Source = "web-form", At = T0.AddDays(2), By = by };
        var withdrawn = granted with { Status = "withdrawn", At = T0 };
        var survivor = new ContactConsent { Id = "s", Channels = [granted], Version = 2 };
        var merged = new ContactConsent { Id = "m", Channels = [withdrawn], DoNotContact = new DoNotContact { Active = true, Source = "phone", At = T0, By = by }, Version = 1 };

        var combined = ConsentRules.Combine(survivor, merged);
        var entries = MergeState.Entries(survivor, combined, "merge", "merge x", T0.AddDays(3), by);

        Assert.Equal("withdrawn", combined.StatusOf("email"));
        Assert.Equal(2, entries.Count);
        Assert.Equal(("email", "withdrawn", "merge", "s"), (entries[0].Channel, entries[0].Status, entries[0].Source, entries[0].ContactId));
        Assert.True(entries[1].DoNotContact);
    }

    [Fact]
    public void A_request_names_every_bad_field_and_rules_accept_known_fields_only()
    {
        var errors = new ValidationErrors();
        Assert.Null(MergeInput.Parse(new CreateMergeRequest { SurvivorId = "s", MergedIds = ["s", "m", "m", " "], Fields = new Dictionary<string, string> { ["name"] = "x", ["nickname"] = "s" } }, errors));
        Assert.Equal(["mergedIds[0]", "mergedIds[2]", "mergedIds[3]", "fields.name", "fields.nickname"], errors.ToDictionary().Keys);

        var none = new ValidationErrors();
        Assert.Null(MergeInput.Parse(new CreateMergeRequest(), none));
        Assert.Equal(["survivorId", "mergedIds"], none.ToDictionary().Keys);

        var ok = MergeInput.Parse(new CreateMergeRequest { SurvivorId = "s", MergedIds = ["m"], Fields = new Dictionary<string, string> { ["customFields.plan"] = "m" } }, new ValidationErrors());
        Assert.Equal(new MergeCommand("s", ["m"], new Dictionary<string, string> { ["customFields.plan"] = "m" }).SurvivorId, ok!.SurvivorId);

        var ruleErrors = new ValidationErrors();
        Assert.Null(MergeRules.Parse(new MergeRulesDocument { Fields = new Dictionary<string, string> { ["name"] = "newest", ["emails"] = "survivor", ["customFields.1x"] = "oldest" } }, ruleErrors));
        Assert.Equal(["fields.name", "fields.customFields.1x"], ruleErrors.ToDictionary().Keys);
        var rules = MergeRules.Parse(new MergeRulesDocument { Fields = new Dictionary<string, string> { ["name"] = "mostRecent", ["emails"] = "survivor" } }, new ValidationErrors())!;
        Assert.Equal(SurvivorshipRule.Survivor, rules.RuleOf("emails"));
        Assert.Equal(SurvivorshipRule.MostRecent, rules.RuleOf("name"));
    }
}
