using System.Text;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;
using nietras.SeparatedValues;

namespace Crm.Contacts.Import;

/// <summary>
/// Stores an uploaded CSV file as it streams in (never whole in memory): the header is read and the mapping checked
/// first (a 400 stores nothing), then the rows go into <c>import_chunks</c> of about <see cref="ChunkBytes"/> each, cut
/// at row boundaries, each committed as it fills; the job is written last, queued, so a worker never sees half an upload.
/// An upload that fails half-way deletes the chunks it stored.
/// </summary>
public static class ImportUpload
{
    public const int ChunkBytes = 1024 * 1024;

    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>The CSV reader of every import: comma-separated, quotes unescaped, rows of any length.</summary>
    public static SepReader Reader(string text) =>
        Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromText(text);

    public static async Task<ImportJob> StoreAsync(
        Stream body,
        IReadOnlyList<string> maps,
        string region,
        Actor by,
        UnitOfWork unit,
        CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkBytes];
        var filled = await FillAsync(body, buffer, 0, cancellationToken);
        var start = buffer.AsSpan(0, filled).StartsWith(Bom) ? Bom.Length : 0;
        var headerLength = CsvChunks.FirstRowEnd(buffer.AsSpan(start, filled - start));
        if (headerLength == 0 && filled == buffer.Length)
        {
            throw new RequestValidationException("body", "the header row is longer than 1 MiB");
        }

        var headerText = Encoding.UTF8.GetString(buffer, start, headerLength == 0 ? filled - start : headerLength).TrimEnd('\r', '\n');
        if (headerText.Trim().Length == 0)
        {
            throw new RequestValidationException("body", "empty: a CSV file with a header row is required");
        }

        var header = ReadHeader(headerText);
        var errors = new ValidationErrors();
        var columns = ImportMapping.Create(header, maps, errors);
        errors.ThrowIfAny();

        var jobId = Ids.New();
        var chunks = 0;
        long total = filled;
        long offset = start + headerLength;
        var headerBytes = offset;
        start = headerLength == 0 ? filled : start + headerLength;
        try
        {
            var ended = filled < buffer.Length;
            while (true)
            {
                var pending = buffer.AsSpan(start, filled - start);
                var cut = CsvChunks.LastRowEnd(pending, out var rows);
                if (ended && cut < pending.Length)
                {
                    // The last row may lack its line feed.
                    cut = pending.Length;
                    rows++;
                }

                if (cut > 0)
                {
                    unit.Insert(ImportCollections.Chunks, new ImportChunk
                    {
                        Id = ImportChunk.IdOf(jobId, chunks),
                        JobId = jobId,
                        Index = chunks,
                        Offset = offset,
                        Bytes = cut,
                        Rows = rows,
                        Text = Encoding.UTF8.GetString(pending[..cut]),
                    });
                    await unit.CommitAsync(cancellationToken);
                    chunks++;
                    offset += cut;
                    start += cut;
                }
                else if (start == 0 && filled == buffer.Length)
                {
                    throw new RequestValidationException("body", "a row is longer than 1 MiB");
                }

                if (ended)
                {
                    break;
                }

                // Keep the unfinished row at the front and read more behind it.
                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
                start = 0;
                var before = filled;
                filled = await FillAsync(body, buffer, filled, cancellationToken);
                total += filled - before;
                ended = filled < buffer.Length;
            }
        }
        catch when (chunks > 0)
        {
            // The parts stored so far are personal data of an upload that will never be processed.
            unit.Discard();
            unit.Add(ImportQueries.DeleteChunks(jobId));
            try
            {
                await unit.CommitAsync(CancellationToken.None);
            }
            catch (Exception cleanup) when (cleanup is not OperationCanceledException)
            {
                // The upload's own failure is what the caller must see; the orphaned parts are named in the README.
            }

            throw;
        }

        var job = new ImportJob
        {
            Id = jobId,
            Status = ImportStatus.Queued,
            TotalBytes = total,
            BytesProcessed = headerBytes,
            Chunks = chunks,
            Columns = header,
            Mapping = columns.ToDictionary(c => c.Column, c => c.Field.Name, StringComparer.Ordinal),
            DefaultRegion = region,
            CreatedAt = unit.Now,
            CreatedBy = by,
        };
        unit.Insert(ImportCollections.Jobs, job);
        await unit.CommitAsync(cancellationToken);
        return job;
    }

    /// <summary>The header's column names (trimmed).</summary>
    public static IReadOnlyList<string> ReadHeader(string headerText)
    {
        using var reader = Reader(headerText);
        if (!reader.MoveNext())
        {
            return [];
        }

        var row = reader.Current;
        var names = new List<string>(row.ColCount);
        for (var i = 0; i < row.ColCount; i++)
        {
            names.Add(row[i].ToString().Trim());
        }

        return names;
    }

    /// <summary>Reads into <paramref name="buffer"/> from <paramref name="filled"/> until it is full or the body ends; returns how full it is.</summary>
    private static async Task<int> FillAsync(Stream body, byte[] buffer, int filled, CancellationToken cancellationToken)
    {
        while (filled < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
