using System.Text;
using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contacts.Import;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Http;
using Xunit;

namespace Crm.Contacts.Tests.Import;

/// <summary>The import's pure parts: mapping, row parsing and validation, batch planning, row boundaries.</summary>
public sealed class ImportDomainTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 30);

    private static (IReadOnlyList<ImportColumn> Columns, IReadOnlyList<string> Errors) Map(string[] header, params string[] maps)
    {
        var errors = new ValidationErrors();
        var columns = ImportMapping.Create(header, maps, errors);
        return (columns, errors.ToDictionary().Keys.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Header_names_map_to_fields_in_any_case_and_maps_add_override_and_ignore()
    {
        var (columns, errors) = Map(["NAME", "Mail", "Mobile", "CustomerNo", "Notes", "tags"], "Mail:email", "Mobile:phone", "CustomerNo:externalId:Shop", "Notes:ignore");

        Assert.Empty(errors);
        Assert.Equal(
            ["NAME=name", "Mail=email", "Mobile=phone", "CustomerNo=externalId:shop", "tags=tags"],
            columns.Select(c => $"{c.Column}={c.Field.Name}"));
        Assert.Equal([0, 1, 2, 3, 5], columns.Select(c => c.Index));
    }

    [Fact]
    public void Every_mapping_problem_is_named_at_once()
    {
        var (_, errors) = Map(["name", "Notes", "Shop", "email", "E2", "email"], "Shop:externalId", "Missing:phone", "name:nickname", "E2:email", "bad");

        Assert.Equal(["columns[Notes]", "columns[email]", "map", "map[E2]", "map[Missing]", "map[Shop]", "map[name]"], errors);
    }

    [Fact]
    public void A_mapping_without_an_identity_column_is_refused()
    {
        var (_, errors) = Map(["name", "country"]);

        Assert.Equal(["map"], errors);
    }

    private static readonly IReadOnlyList<ImportColumn> Columns = Map(["name", "email", "phone", "externalId:shop", "country", "birthday", "tags", "lifecycleStage", "locale"]).Columns;

    private static ImportRow? Parse(List<ImportRowError> errors, params string?[] cells) => ImportRows.Parse(7, Columns, cells, "DE", Today, errors);

    [Fact]
    public void A_row_is_normalised_with_the_platforms_normalisers()
    {
        var errors = new List<ImportRowError>();

        var row = Parse(errors, " Anna Schmidt ", "Anna@Example.COM", "030 1234567", "C-1", "de", "1990-04-01", "VIP; newsletter;vip", "Customer", "de-de");

        Assert.Empty(errors);
        Assert.Equal(("Anna Schmidt", "anna@example.com", "+49301234567"), (row!.Command.Name, row.Command.Email, row.Command.Phone));
        Assert.Equal([ContactIdentity.External("shop", "C-1")], row.Command.ExternalIds);
        Assert.Equal(("DE", new DateOnly(1990, 4, 1), LifecycleStage.Customer, "de-DE"), (row.Profile.Country, row.Profile.Birthday, row.Profile.LifecycleStage, row.Profile.Locale));
        Assert.Equal(["vip", "newsletter"], row.Profile.Tags);
    }

    [Fact]
    public void A_bad_row_reports_every_bad_column_and_never_its_values()
    {
        var errors = new List<ImportRowError>();

        var row = Parse(errors, "Anna", "no-at-sign", "12", null, "Germany", "01.04.1990", null, "vip", null);

        Assert.Null(row);
        Assert.Equal(["email", "phone", "country", "birthday", "lifecycleStage"], errors.Select(e => e.Column));
        Assert.DoesNotContain(errors, e => e.Reason.Contains("no-at-sign", StringComparison.Ordinal) || e.Reason.Contains("Germany", StringComparison.Ordinal));
    }

    [Fact]
    public void A_row_without_an_identity_is_rejected_as_a_whole()
    {
        var errors = new List<ImportRowError>();

        Assert.Null(Parse(errors, "Anna", " ", null, null, "DE", null, null, null, null));
        Assert.Equal([string.Empty], errors.Select(e => e.Column));
    }

    private static ImportRow Row(long n, string? name, string? email, string? phone, ImportProfile? profile = null) =>
        new(n, new ResolveCommand { Name = name, Email = email, Phone = phone }, profile ?? ImportProfile.None);

    [Fact]
    public void A_batch_finds_people_in_the_store_and_in_its_own_earlier_rows_and_writes_each_contact_once()
    {
        var stored = new Contact { Id = "c-old", Name = null, Emails = ["old@example.com"], CreatedAt = Now.AddDays(-1), UpdatedAt = Now.AddDays(-1), Version = 4 };
        var owners = new Dictionary<string, string> { ["email:old@example.com"] = "c-old" };
        var ids = new Queue<string>(["n1", "n2", "n3", "n4", "n5", "n6"]);
        var rows = new[]
        {
            Row(1, "Anna", "anna@example.com", null),
            Row(2, null, "anna@example.com", "+49301234567"),         // Anna learns her phone: updated
            Row(3, null, null, "+49301234567"),                       // Anna again, nothing new: merged
            Row(4, "Olga", "old@example.com", null, new ImportProfile { Country = "DE" }), // the stored contact learns name and country
            Row(5, null, "old@example.com", null),                    // merged
        };

        var plan = ImportPlanner.Plan(rows, owners, [stored], ids.Dequeue, Now);

        Assert.Equal([ImportOutcome.Created, ImportOutcome.Updated, ImportOutcome.Merged, ImportOutcome.Updated, ImportOutcome.Merged], plan.Outcomes.Select(o => o.Outcome));
        var anna = Assert.Single(plan.Inserts);
        Assert.Equal(("Anna", 1L), (anna.Name, anna.Version));
        Assert.Equal(["anna@example.com"], anna.Emails);
        Assert.Equal(["+49301234567"], anna.Phones);
        var old = Assert.Single(plan.Replaces);
        Assert.Equal(("Olga", "DE", 5L), (old.Name, old.Country, old.Version));
        Assert.Equal(["email:anna@example.com", "phone:+49301234567"], plan.Identities.Select(i => i.Id));
        Assert.All(plan.Identities, i => Assert.Equal(anna.Id, i.ContactId));
        var created = Assert.Single(plan.Events.OfType<ContactCreated>());
        Assert.Equal(["+49301234567"], created.Phones);
        var updated = Assert.Single(plan.Events.OfType<ContactUpdated>());
        Assert.Equal("c-old", updated.ContactId);
        Assert.Equal(["name", "country"], updated.ChangedFields);
    }

    [Fact]
    public void A_row_whose_email_and_phone_belong_to_two_stored_contacts_goes_to_the_older_and_is_a_conflict_for_review()
    {
        var older = new Contact { Id = "c-a", Emails = ["anna@example.com"], CreatedAt = Now.AddDays(-2), UpdatedAt = Now.AddDays(-2), Version = 1 };
        var newer = new Contact { Id = "c-b", Phones = ["+49301234567"], CreatedAt = Now.AddDays(-1), UpdatedAt = Now.AddDays(-1), Version = 1 };
        var owners = new Dictionary<string, string> { ["email:anna@example.com"] = "c-a", ["phone:+49301234567"] = "c-b" };

        var plan = ImportPlanner.Plan([Row(1, null, "anna@example.com", "+49301234567")], owners, [older, newer], () => "unused", Now);

        Assert.Equal(ImportOutcome.Merged, Assert.Single(plan.Outcomes).Outcome);
        Assert.Empty(plan.Identities);
        var (contactId, matches) = Assert.Single(plan.Conflicts);
        Assert.Equal("c-a", contactId);
        Assert.Equal([new Crm.Contacts.Duplicates.ConflictMatch("email", "c-a"), new Crm.Contacts.Duplicates.ConflictMatch("phone", "c-b")], matches);
    }

    [Fact]
    public void A_known_contact_only_fills_blanks_and_gains_tags_and_keeps_its_stage()
    {
        var contact = new Contact { Id = "c", Name = "Anna", Country = "AT", Tags = ["vip"], LifecycleStage = LifecycleStage.Customer, CreatedAt = Now, UpdatedAt = Now, Version = 1 };
        var profile = new ImportProfile { Country = "DE", Region = "Berlin", Tags = ["vip", "news"], LifecycleStage = LifecycleStage.Lead };

        var (after, changed) = profile.ApplyTo(contact, created: false);

        Assert.Equal(("AT", "Berlin", LifecycleStage.Customer), (after.Country, after.Region, after.LifecycleStage));
        Assert.Equal(["vip", "news"], after.Tags);
        Assert.Equal(["tags", "region"], changed);
    }

    [Fact]
    public void Rows_end_at_line_feeds_outside_quotes()
    {
        var text = Encoding.UTF8.GetBytes("a,\"x\ny\",1\nb,\"say \"\"hi\"\"\",2\nc,\"open\n");

        var end = CsvChunks.LastRowEnd(text, out var rows);

        Assert.Equal((2, "a,\"x\ny\",1\nb,\"say \"\"hi\"\"\",2\n"), (rows, Encoding.UTF8.GetString(text, 0, end)));
        Assert.Equal(10, CsvChunks.FirstRowEnd(text));
    }
}
