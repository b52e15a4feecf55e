using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Contacts.Contacts;
using Crm.Contacts.Import;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>Bulk CSV import through the service's HTTP API: upload, the job polled to completion, counts, dedup, error report, access.</summary>
public sealed class ContactImportApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    private async Task<HttpResponseMessage> UploadAsync(string csv, string query = "", CallerIdentity? caller = null)
    {
        using var client = _api.Client(caller);
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        return await client.PostAsync($"/api/contacts/imports{query}", content);
    }

    private async Task<ImportJobResponse> CompletedAsync(HttpResponseMessage accepted)
    {
        var body = await accepted.Content.ReadAsStringAsync();
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, $"{(int)accepted.StatusCode}: {body}");
        var location = accepted.Headers.Location!.ToString();
        using var client = _api.Client();
        return await Poll.ForAsync(
            async () =>
            {
                var job = await client.GetFromJsonAsync<ImportJobResponse>(location, ContactApi.Json);
                return job!.Status is "completed" or "failed" ? job : null;
            },
            "the import to finish",
            TimeSpan.FromSeconds(60));
    }

    private async Task<string> ErrorReportAsync(string id)
    {
        using var client = _api.Client();
        using var response = await client.GetAsync($"/api/contacts/imports/{id}/errors");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<Contact> ContactOfAsync(string identityKey)
    {
        var owner = await _api.Store.GetAsync(ContactCollections.Identities, identityKey);
        Assert.True(owner is not null, $"no contact owns {identityKey}");
        return (await _api.Store.GetAsync(ContactCollections.Contacts, owner.ContactId))!;
    }

    [Fact]
    public async Task A_file_is_imported_with_duplicates_in_other_spellings_recognised_and_bad_rows_reported()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var anna = $"anna.{tag}@example.com";
        var ben = $"ben.{tag}@example.com";
        var phone = ContactApi.NewSubscriber();
        var csv = $"""
            name,Mail,Mobile,tags,birthday
            Anna Schmidt,{anna},+49 30 {phone},vip;newsletter,1990-04-01
            "Anna  Schmidt",{anna.ToUpperInvariant()},,,
            ,,0049 30 {phone},,
            "Ben, Jr.",{ben},,,
            Carla,not-an-email,,,
            Dora,,,,
            Emil,emil.{tag}@example.com,,,2999-01-01

            """;

        var job = await CompletedAsync(await UploadAsync(csv, "?map=Mail:email&map=Mobile:phone"));

        Assert.Equal("completed", job.Status);
        Assert.Equal((7, 2, 0, 2, 3), (job.RowsRead, job.Created, job.Updated, job.Merged, job.Rejected));
        Assert.Equal(1.0, job.Progress);
        var contact = await ContactOfAsync($"phone:+4930{phone}");
        Assert.Equal([anna], contact.Emails);
        Assert.Equal(["vip", "newsletter"], contact.Tags);
        Assert.Equal(new DateOnly(1990, 4, 1), contact.Birthday);
        Assert.Equal("Ben, Jr.", (await ContactOfAsync($"email:{ben}")).Name);
        var report = await ErrorReportAsync(job.Id);
        var lines = report.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("row,column,reason", lines[0]);
        Assert.StartsWith("5,Mail,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("6,,\"no e-mail, phone or external id", lines[2], StringComparison.Ordinal);
        Assert.Equal("7,birthday,must not be in the future", lines[3]);
        Assert.DoesNotContain("not-an-email", report, StringComparison.Ordinal);
        Assert.Equal(2, factory.Harness.Published.Select<ContactCreated>().Count(m => m.Context.Message.Emails.Any(e => e.Contains(tag, StringComparison.Ordinal))));

        // The upload's parts (personal data) are gone once the import completed.
        Assert.Empty(await _api.Store.FindAsync(ImportCollections.Chunks.Find(Filter<ImportChunk>.Eq(x => x.JobId, job.Id))));
    }

    [Fact]
    public async Task Rows_of_people_already_stored_update_or_merge_into_them()
    {
        var email = ContactApi.NewEmail();
        var known = await _api.NewContactAsync(name: null, email: email);
        var phone = ContactApi.NewSubscriber();
        var external = $"C-{Guid.NewGuid():N}";
        var csv = $"name,email,phone,externalId:shop,country\nZoe,{email.ToUpperInvariant()},030 {phone},{external},de\n,{email},,,\n";

        var job = await CompletedAsync(await UploadAsync(csv));

        Assert.Equal((0, 1, 1, 0), (job.Created, job.Updated, job.Merged, job.Rejected));
        var contact = await _api.GetAsync(known);
        Assert.Equal("Zoe", contact.Name);
        Assert.Equal([$"+4930{phone}"], contact.Phones);
        Assert.Equal("DE", contact.Country);
        Assert.Equal(known, (await ContactOfAsync($"external:shop:{external}")).Id);
    }

    [Fact]
    public async Task Rows_spread_over_several_batches_and_chunks_are_deduplicated_through_the_store()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var csv = new StringBuilder("email,Notes\n");
        for (var i = 0; i < 2500; i++)
        {
            // Every person twice, 1,200 rows apart (another batch), the second time upper-case; a long ignored column makes several 1 MiB chunks.
            var person = i % 1300;
            var mail = $"p{person}.{tag}@example.com";
            csv.Append(i < 1300 ? mail : mail.ToUpperInvariant()).Append(',').Append(new string('x', 900)).Append('\n');
        }

        var job = await CompletedAsync(await UploadAsync(csv.ToString(), "?map=Notes:ignore"));

        Assert.Equal((2500, 1300, 0, 1200, 0), (job.RowsRead, job.Created, job.Updated, job.Merged, job.Rejected));
        Assert.Equal(job.TotalBytes, job.BytesProcessed);
    }

    [Fact]
    public async Task A_bad_mapping_is_a_400_naming_every_problem_and_stores_nothing()
    {
        var before = await _api.Store.CountAsync(ImportCollections.Chunks, Filter<ImportChunk>.All);

        using var response = await UploadAsync("name,Notes,Shop\nAnna,hi,1\n", "?map=Shop:externalId&map=Missing:email&map=name:nickname&defaultRegion=XX");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(["defaultRegion"], ContactApi.ErrorFields(problem));

        using var mapping = await UploadAsync("name,Notes,Shop\nAnna,hi,1\n", "?map=Shop:externalId&map=Missing:email&map=name:nickname");
        Assert.Equal(HttpStatusCode.BadRequest, mapping.StatusCode);
        problem = (JsonObject)JsonNode.Parse(await mapping.Content.ReadAsStringAsync())!;
        Assert.Equal(["columns[Notes]", "map", "map[Missing]", "map[Shop]", "map[name]"], ContactApi.ErrorFields(problem).Order(StringComparer.Ordinal));
        Assert.Equal(before, await _api.Store.CountAsync(ImportCollections.Chunks, Filter<ImportChunk>.All));
    }

    [Fact]
    public async Task Only_csv_is_accepted_and_only_writers_import_and_only_keys_managers_and_admins_read_jobs()
    {
        using (var client = _api.Client())
        {
            using var json = await client.PostAsJsonAsync("/api/contacts/imports", new { email = "a@b.c" });
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        }

        using var rep = await UploadAsync($"email\n{ContactApi.NewEmail()}\n", caller: TestIdentity.Person("rep", rep: "rep-1"));
        Assert.Equal(HttpStatusCode.Forbidden, rep.StatusCode);

        var job = await CompletedAsync(await UploadAsync($"email\n{ContactApi.NewEmail()}\n", caller: TestIdentity.Person("manager")));
        var (asRep, _) = await _api.GetRawAsync($"/api/contacts/imports/{job.Id}", TestIdentity.Person("rep", rep: "rep-1"));
        Assert.Equal(HttpStatusCode.Forbidden, asRep);
        var (asLead, _) = await _api.GetRawAsync("/api/contacts/imports", TestIdentity.Person("teamlead", rep: "lead-1", team: "t1"));
        Assert.Equal(HttpStatusCode.Forbidden, asLead);
        var (list, body) = await _api.GetRawAsync("/api/contacts/imports?limit=500", TestIdentity.Person("manager"));
        Assert.Equal(HttpStatusCode.OK, list);
        Assert.Contains(body["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == job.Id);
        var (unknown, _) = await _api.GetRawAsync("/api/contacts/imports/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown);
    }

    [Fact]
    public async Task A_job_left_half_done_by_a_replica_that_died_is_resumed_from_its_last_committed_row()
    {
        // An import whose first batch was committed by a worker that died: its lease ran out, its position says row 2 of chunk 0.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var emails = Enumerable.Range(0, 4).Select(i => $"r{i}.{tag}@example.com").ToList();
        var text = string.Join('\n', emails) + "\n";
        var id = Ids.New();
        var now = DateTimeOffset.UtcNow.TruncateToMs();
        await _api.Store.CommitAsync(
        [
            Write.Insert(ImportCollections.Chunks, new ImportChunk { Id = ImportChunk.IdOf(id, 0), JobId = id, Index = 0, Offset = 6, Bytes = Encoding.UTF8.GetByteCount(text), Rows = 4, Text = text }),
            Write.Insert(ImportCollections.Jobs, new ImportJob
            {
                Id = id,
                Status = ImportStatus.Running,
                TotalBytes = 6 + Encoding.UTF8.GetByteCount(text),
                Chunks = 1,
                Columns = ["email"],
                Mapping = new Dictionary<string, string> { ["email"] = "email" },
                DefaultRegion = "DE",
                CreatedAt = now,
                CreatedBy = Crm.Contracts.Audit.Actor.System,
                StartedAt = now,
                RowsDoneInChunk = 2,
                RowsRead = 2,
                Created = 2,
                LeaseToken = "dead-worker",
                LeaseUntil = now.AddSeconds(-1),
            }),
        ]);
        _ = factory.Server; // the service, and its import worker, run

        var job = await Poll.ForAsync(
            async () => await _api.Store.GetAsync(ImportCollections.Jobs, id) is { Status: ImportStatus.Completed } done ? done : null,
            "the import to be resumed and completed",
            TimeSpan.FromSeconds(30));

        Assert.Equal((4, 4), (job.RowsRead, job.Created));
        Assert.Null(await _api.Store.GetAsync(ContactCollections.Identities, $"email:{emails[0]}"));
        Assert.NotNull(await _api.Store.GetAsync(ContactCollections.Identities, $"email:{emails[3]}"));
    }

    public void Dispose() => _api.Dispose();
}
