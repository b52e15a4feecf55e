using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

/// <summary>Bulk CSV import through the gateway (its larger body limit for the upload route) with the typed client, on real processes.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ImportTests(Platform platform)
{
    [Fact]
    public async Task A_file_over_the_general_body_limit_is_imported_through_the_gateway_and_its_people_are_found()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var csv = new StringBuilder("Name,Mail,Mobile,Notes\n");
        for (var i = 0; i < 3000; i++)
        {
            csv.Append($"Person {i},p{i}.{tag}@example.com,,{new string('n', 400)}\n");
        }

        csv.Append($"Person 0 again,P0.{tag.ToUpperInvariant()}@EXAMPLE.COM,,\n").Append("Nobody,,,\n");
        var body = Encoding.UTF8.GetBytes(csv.ToString());
        Assert.True(body.Length > 1024 * 1024, "the file must be over the gateway's general 1 MiB limit");
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");

        var accepted = await platform.Api.ImportContactsAsync(content, ["Mail:email", "Mobile:phone", "Name:name", "Notes:ignore"]);

        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, $"{(int)accepted.StatusCode}: {accepted.Error?.Message}");
        var job = await Poll.ForAsync(
            async () => (await platform.Api.GetContactImportAsync(accepted.Content!.Id)).Content is { Status: "completed" or "failed" } done ? done : null,
            "the import to finish",
            TimeSpan.FromMinutes(3));
        Assert.Equal(("completed", 3002L, 3000L, 1L, 1L), (job.Status, job.RowsRead, job.Created, job.Merged, job.Rejected));

        var found = await platform.SendAsync(HttpMethod.Get, $"/api/contacts?q=p2999.{tag}@example.com", null, HttpStatusCode.OK);
        Assert.Equal("Person 2999", found.GetProperty("items")[0].GetProperty("name").GetString());
        using var report = await platform.Api.GetContactImportErrorsAsync(job.Id);
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        Assert.StartsWith("row,column,reason\n3002,,", await report.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
