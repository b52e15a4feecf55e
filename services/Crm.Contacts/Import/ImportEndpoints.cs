using System.Text;
using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;

namespace Crm.Contacts.Import;

/// <summary>
/// Bulk CSV import: <c>POST /api/contacts/imports</c> (<c>contacts:write</c>) and the job resource (<c>contacts:read</c>,
/// API keys, managers and admins only: a rep or team lead gets 403, since an import spans every contact).
/// </summary>
public static class ImportEndpoints
{
    public const string CsvContentType = "text/csv";

    public static RouteGroupBuilder MapImportEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/imports", UploadAsync)
            .RequireAccess(Access.Write)
            .WithName("ImportContacts")
            .WithSummary("Import contacts from a CSV file")
            .WithDescription("The body is the CSV file (`text/csv`, UTF-8, comma-separated, a header row first), streamed into the store in parts as it " +
                "arrives (at most `Contacts:ImportMaxBytes`, default 1 GiB). Columns map to fields by their header name (`name`, `email`, `phone`, " +
                "`externalId:<kind>`, `locale`, `timeZone`, `country`, `region`, `birthday` yyyy-MM-dd, `tags` separated by `;`, `lifecycleStage`) or by " +
                "`map=Column:field` (`map=Mobile:phone`, `map=CustomerNo:externalId:shop`, `map=Notes:ignore`). A mapping that names an unknown column " +
                "or field, leaves a column unmapped, or has no identity column (email, phone or externalId) is a 400 naming each, and nothing is stored. " +
                "Answers **202** with the job (`Location`); rows are processed in the background: each is recognised by its identities against the " +
                "contacts stored and the rows before it (created, updated, merged — recognised and nothing new — or rejected, with the reasons in the " +
                "error report). An existing contact only learns what it lacks; nothing known is overwritten. Needs `contacts:write`.")
            .WithParameterDescription("map", "Column:field, repeatable; overrides the header's names.")
            .WithParameterDescription("defaultRegion", "Region (ISO 3166 alpha-2) for phone numbers without a country code; default `Contacts:DefaultRegion`.")
            // Described, not declared with Accepts: that would let routing answer 415 before authentication (401/403).
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "The CSV file: UTF-8, comma-separated, a header row first.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        [CsvContentType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String }, Example = JsonValue.Create("name,email,phone\nAnna Schmidt,anna@example.com,+49 30 1234567\n") },
                    },
                };
                return Task.CompletedTask;
            })
            .Produces<ImportJobResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/imports", ListAsync)
            .RequireAccess(Access.Read)
            .WithName("ListContactImports")
            .WithSummary("List imports")
            .WithDescription("Newest first. Cursor paging (`limit` 1..500, default 50; `cursor` from `nextCursor`). API keys, managers and admins.")
            .Produces<Page<ImportJobResponse>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/imports/{id}", GetAsync)
            .RequireAccess(Access.Read)
            .WithName("GetContactImport")
            .WithSummary("Get an import's status")
            .WithDescription("Status (`queued`, `running`, `completed`, `failed`), progress (bytes processed / total), rows read and the counts so far.")
            .WithParameterDescription("id", "The import's id.")
            .Produces<ImportJobResponse>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/imports/{id}/errors", ErrorsAsync)
            .RequireAccess(Access.Read)
            .WithName("GetContactImportErrors")
            .WithSummary("Download an import's error report")
            .WithDescription("CSV (`row,column,reason`), one line per reason a row was rejected, in row order (row 1 = the first row after the header). " +
                "Never the rejected values: the report holds no personal data.")
            .WithParameterDescription("id", "The import's id.")
            .Produces<string>(StatusCodes.Status200OK, CsvContentType)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> UploadAsync(
        [FromQuery] string[]? map,
        [FromQuery] string? defaultRegion,
        HttpContext http,
        UnitOfWork unit,
        ContactsOptions options,
        ImportSignal signal,
        CancellationToken cancellationToken)
    {
        var request = http.Request;
        if (request.ContentType is not { } type || !type.StartsWith(CsvContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be a CSV file.", detail: $"Send the file as {CsvContentType}.");
        }

        var errors = new ValidationErrors();
        foreach (var unknown in request.Query.Keys.Where(k => k is not ("map" or "defaultRegion")))
        {
            errors.Add(unknown, "Unknown parameter.");
        }

        var region = defaultRegion ?? string.Empty;
        if (region.Length == 0)
        {
            region = options.DefaultRegion;
        }
        else if (!PhoneNormalizer.IsSupportedRegion(region))
        {
            errors.Add("defaultRegion", "Not a region code (ISO 3166 alpha-2, e.g. DE, AT, US).");
        }

        errors.ThrowIfAny();
        if (request.ContentLength > options.ImportMaxBytes)
        {
            return TooLarge(options);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.ImportMaxBytes;
        }

        ImportJob job;
        try
        {
            job = await ImportUpload.StoreAsync(request.Body, map ?? [], region.ToUpperInvariant(), http.Actor(), unit, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(options);
        }

        signal.Notify();
        return Results.Accepted($"/api/contacts/imports/{job.Id}", job.ToResponse());
    }

    private static IResult TooLarge(ContactsOptions options) =>
        Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The file is too large.", detail: $"An import takes at most {options.ImportMaxBytes} bytes.");

    private static async Task<IResult> ListAsync(HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        if (Forbidden(http) is { } forbidden)
        {
            return forbidden;
        }

        var q = http.Request.Query;
        var errors = new ValidationErrors();
        foreach (var unknown in q.Keys.Where(k => k is not ("limit" or "cursor")))
        {
            errors.Add(unknown, "Unknown filter.");
        }

        var take = Paging.Limit(q["limit"], errors);
        var query = Paging.StartAfter(ImportQueries.NewestFirst(), q["cursor"], errors);
        errors.ThrowIfAny();
        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<ImportJobResponse> { Items = [.. page.Items.Select(j => j.ToResponse())], NextCursor = page.NextCursor });
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, IDocumentStore store, CancellationToken cancellationToken) =>
        Forbidden(http) ?? (await FindAsync(store, id, cancellationToken) is { } job ? Results.Ok(job.ToResponse()) : NotFound(id));

    private static async Task<IResult> ErrorsAsync(string id, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        if (Forbidden(http) is { } forbidden)
        {
            return forbidden;
        }

        if (await FindAsync(store, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        return Results.Stream(
            async body =>
            {
                await using var writer = new StreamWriter(body, new UTF8Encoding(false), 64 * 1024);
                await writer.WriteAsync("row,column,reason\n");
                var query = ImportQueries.ErrorsOf(id);
                while (true)
                {
                    var page = await store.PageAsync(query, 1000, cancellationToken);
                    foreach (var error in page.Items)
                    {
                        await writer.WriteAsync($"{error.Row},{Csv(error.Column)},{Csv(error.Reason)}\n");
                    }

                    if (page.NextCursor is null || !query.TryStartAfter(page.NextCursor, out var next))
                    {
                        break;
                    }

                    query = next;
                    await writer.FlushAsync(cancellationToken);
                }
            },
            $"{CsvContentType}; charset=utf-8",
            $"import-{id}-errors.csv");
    }

    /// <summary>A CSV cell: quoted when it holds a comma, a quote or a line break.</summary>
    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static Task<ImportJob?> FindAsync(IDocumentStore store, string id, CancellationToken cancellationToken) =>
        id.Length <= 100 ? store.GetAsync(ImportCollections.Jobs, id, cancellationToken) : Task.FromResult<ImportJob?>(null);

    /// <summary>Reps and team leads see only their own contacts; an import spans every contact, so its job is not theirs to read.</summary>
    private static IResult? Forbidden(HttpContext http) =>
        http.Caller() is { SeesEverything: false }
            ? Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: "Imports are visible to API keys, managers and admins.")
            : null;

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Import not found.", detail: $"No import has the id '{id}'.");
}
