namespace Crm.Contracts.Api.Contacts;

/// <summary>
/// A bulk CSV import of contacts (<c>POST /api/contacts/imports</c>, <c>GET /api/contacts/imports/{id}</c>): its status,
/// progress and counts so far.
/// </summary>
public sealed record ImportJobResponse
{
    public required string Id { get; init; }

    /// <summary>queued, running, completed or failed.</summary>
    public required string Status { get; init; }

    /// <summary>The uploaded file's size in bytes.</summary>
    public required long TotalBytes { get; init; }

    /// <summary>How many of the file's bytes are processed (the rows up to there are committed).</summary>
    public required long BytesProcessed { get; init; }

    /// <summary><see cref="BytesProcessed"/> / <see cref="TotalBytes"/>, 0 to 1.</summary>
    public required double Progress { get; init; }

    /// <summary>Data rows read so far (the header row not counted; blank rows counted and skipped).</summary>
    public required long RowsRead { get; init; }

    /// <summary>Rows that created a new contact.</summary>
    public required long Created { get; init; }

    /// <summary>Rows that taught an existing contact (stored before, or created by an earlier row) something new.</summary>
    public required long Updated { get; init; }

    /// <summary>Rows recognised as a person already known (stored before, or an earlier row of the file) that added nothing new.</summary>
    public required long Merged { get; init; }

    /// <summary>Rows not imported: each is in the error report (<c>GET /api/contacts/imports/{id}/errors</c>).</summary>
    public required long Rejected { get; init; }

    /// <summary>The column → field mapping used (the header's column names).</summary>
    public required IReadOnlyDictionary<string, string> Mapping { get; init; }

    /// <summary>The region phone numbers without a country code were read in.</summary>
    public required string DefaultRegion { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required Crm.Contracts.Audit.Actor CreatedBy { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why a failed import stopped (the rows before it stay imported).</summary>
    public string? Error { get; init; }
}
