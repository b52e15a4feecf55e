using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Import;

public enum ImportStatus
{
    Queued,
    Running,
    Completed,
    Failed,
}

/// <summary>
/// A bulk import (a document of <c>contact_imports</c>): the upload's shape (chunks, header, mapping), where processing
/// stands (the next chunk and how many of its rows are committed: a restart resumes there), the counts, and the lease
/// of the replica processing it. Replaced whole at its version by every batch, so two replicas never both commit one
/// (the claim moves the version too).
/// </summary>
public sealed record ImportJob : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required ImportStatus Status { get; init; }
    public required long TotalBytes { get; init; }
    /// <summary>How many chunks the upload was stored in (<c>import_chunks</c>, ids <c>{jobId}:{index}</c>).</summary>
    public required int Chunks { get; init; }
    /// <summary>The header row's column names, in file order.</summary>
    public required IReadOnlyList<string> Columns { get; init; }
    /// <summary>Column name → field (<see cref="ImportMapping"/>), the columns imported.</summary>
    public required IReadOnlyDictionary<string, string> Mapping { get; init; }
    public required string DefaultRegion { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required Actor CreatedBy { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>The chunk processing continues with.</summary>
    public int NextChunk { get; init; }
    /// <summary>How many records of <see cref="NextChunk"/> are committed.</summary>
    public long RowsDoneInChunk { get; init; }
    /// <summary>The bytes of the chunks before <see cref="NextChunk"/>, plus its share processed.</summary>
    public long BytesProcessed { get; init; }
    public long RowsRead { get; init; }
    public long Created { get; init; }
    public long Updated { get; init; }
    public long Merged { get; init; }
    public long Rejected { get; init; }
    public string? Error { get; init; }
    /// <summary>Runs that failed with an error (a store outage, a bug); at <see cref="ImportWorker.MaxFailures"/> the job fails.</summary>
    public int Failures { get; init; }
    /// <summary>The last such error, for operators (never shown in the API: it may name a value).</summary>
    public string? LastFailure { get; init; }
    public string? LeaseToken { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }

    public ImportJobResponse ToResponse() => new()
    {
        Id = Id,
        Status = Status.ToString().ToLowerInvariant(),
        TotalBytes = TotalBytes,
        BytesProcessed = BytesProcessed,
        Progress = TotalBytes == 0 ? 1 : Math.Round((double)BytesProcessed / TotalBytes, 4),
        RowsRead = RowsRead,
        Created = Created,
        Updated = Updated,
        Merged = Merged,
        Rejected = Rejected,
        Mapping = Mapping,
        DefaultRegion = DefaultRegion,
        CreatedAt = CreatedAt,
        CreatedBy = CreatedBy,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        Error = Error,
    };
}

/// <summary>
/// Up to ~1 MB of the uploaded file (a document of <c>import_chunks</c>, id <c>{jobId}:{index:D6}</c>), cut at a row
/// boundary so each chunk parses alone; stored in the service's own store so any replica can process the import.
/// Personal data: deleted when the import completes or fails.
/// </summary>
public sealed record ImportChunk : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required string JobId { get; init; }
    public required int Index { get; init; }
    /// <summary>Where the chunk starts in the file (bytes).</summary>
    public required long Offset { get; init; }
    public required long Bytes { get; init; }
    /// <summary>How many records (rows) it holds.</summary>
    public required long Rows { get; init; }
    /// <summary>The rows as text (UTF-8 decoded), without the header.</summary>
    public required string Text { get; init; }

    public static string IdOf(string jobId, int index) => $"{jobId}:{index:D6}";
}

/// <summary>
/// One reason a row was rejected (a document of <c>import_errors</c>, id <c>{jobId}:{row:D10}:{n}</c>): the row
/// number (1 = the first data row), the column and why — never the value (the report holds no personal data).
/// </summary>
public sealed record ImportError : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required string JobId { get; init; }
    public required long Row { get; init; }
    /// <summary>The header's column name; empty when the row as a whole is at fault.</summary>
    public required string Column { get; init; }
    public required string Reason { get; init; }

    public static string IdOf(string jobId, long row, int n) => $"{jobId}:{row:D10}:{n}";
}
