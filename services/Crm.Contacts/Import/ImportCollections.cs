using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Import;

/// <summary>The imports, their uploaded chunks and their error reports.</summary>
public static class ImportCollections
{
    /// <summary><c>created</c> is the list's order (newest first); <c>status_created</c> serves the claim of the oldest unfinished import.</summary>
    public static readonly DocumentCollection<ImportJob> Jobs = new DocumentCollection<ImportJob>("contact_imports")
        .Index("created", i => i.Desc(x => x.CreatedAt).Asc(x => x.Id))
        .Index("status_created", i => i.Asc(x => x.Status).Asc(x => x.CreatedAt).Asc(x => x.Id));

    /// <summary>Read by id (<c>{jobId}:{index:D6}</c>) and deleted by the id range of a job: no index of its own.</summary>
    public static readonly DocumentCollection<ImportChunk> Chunks = new("import_chunks");

    /// <summary>Read and deleted by the id range of a job (<c>{jobId}:{row:D10}:{n}</c>, so in row order): no index of its own.</summary>
    public static readonly DocumentCollection<ImportError> Errors = new("import_errors");

    public static readonly IReadOnlyList<IDocumentCollection> All = [Jobs, Chunks, Errors];
}

/// <summary>Every query of the import (rendered in <c>queries.approved.md</c>).</summary>
public static class ImportQueries
{
    private static readonly ImportStatus[] Unfinished = [ImportStatus.Queued, ImportStatus.Running];

    /// <summary>The oldest unfinished import whose lease ran out (or that never had one).</summary>
    public static Query<ImportJob> Claimable(DateTimeOffset now) =>
        ImportCollections.Jobs.Find(
                Filter<ImportJob>.In(x => x.Status, Unfinished)
                & (Filter<ImportJob>.Missing(x => x.LeaseUntil) | Filter<ImportJob>.Lt(x => x.LeaseUntil, now)))
            .OrderBy(x => x.CreatedAt)
            .Take(1);

    /// <summary>The list, newest first.</summary>
    public static Query<ImportJob> NewestFirst() =>
        ImportCollections.Jobs.Find(Filter<ImportJob>.All).OrderByDescending(x => x.CreatedAt).ThenBy(x => x.Id);

    /// <summary>A job's error report in row order (page it with <c>StartAfter</c>).</summary>
    public static Query<ImportError> ErrorsOf(string jobId) =>
        ImportCollections.Errors.Find(OfJob<ImportError>(jobId)).OrderBy(x => x.Id);

    /// <summary>Deletes a job's uploaded chunks (personal data) once it finished.</summary>
    public static WriteOperation DeleteChunks(string jobId) => Write.Delete(ImportCollections.Chunks, OfJob<ImportChunk>(jobId));

    /// <summary>The documents whose id starts with <c>{jobId}:</c>: a range on the id.</summary>
    private static Filter<T> OfJob<T>(string jobId)
        where T : class, IDocument
    {
        var prefix = jobId + ":";
        return Filter<T>.Gte(x => x.Id, prefix) & Filter<T>.Lt(x => x.Id, prefix + char.MaxValue);
    }
}
