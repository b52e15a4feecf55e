using Crm.Contacts.Contacts;
using Crm.ServiceDefaults.Storage;
using nietras.SeparatedValues;

namespace Crm.Contacts.Import;

/// <summary>Wakes the worker at once when an upload queued a job (it also looks every second).</summary>
public sealed class ImportSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}

/// <summary>
/// Processes imports in the background, on every replica: claims the oldest unfinished import whose lease ran out
/// (the claim moves its version, so a replica that lost it can commit nothing more), then reads its chunks in order
/// from where the last commit left it and commits batches of <see cref="ContactsOptions.ImportBatchSize"/> rows. Each
/// batch is one unit of work: one lookup of the batch's identities, one of the contacts they name, the plan in memory
/// (<see cref="ImportPlanner"/>), then identities, contacts, events, the rejected rows' errors and the job's progress
/// (replaced at its version, with the lease extended) in one commit. A restart resumes at the last committed row once
/// the lease runs out. When the last chunk is done the job completes and its chunks (personal data) are deleted.
/// </summary>
public sealed class ImportWorker(
    IServiceScopeFactory scopes,
    IDocumentStore store,
    StoreReadiness readiness,
    ImportSignal signal,
    ContactsOptions options,
    TimeProvider time,
    ILogger<ImportWorker> logger) : BackgroundService
{
    public const int MaxFailures = 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await readiness.WaitAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                ImportJob? job = null;
                try
                {
                    job = await ClaimAsync(stoppingToken);
                    if (job is not null)
                    {
                        await ProcessAsync(job, stoppingToken);
                        continue;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Import {Job} failed; it resumes from its last committed batch when its lease runs out", job?.Id);
                    if (job is not null)
                    {
                        await RecordFailureAsync(job.Id, ex);
                    }
                }

                await signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<ImportJob?> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = time.UtcNowMs();
        var token = Ids.New();
        var claimed = await store.ClaimAsync(
            ImportQueries.Claimable(now),
            new Update<ImportJob>().Set(x => x.LeaseToken, token).Set(x => x.LeaseUntil, now + options.ImportLease).Inc(x => x.Version, 1),
            Filter<ImportJob>.Eq(x => x.LeaseToken, token),
            cancellationToken);
        return claimed.Count == 0 ? null : claimed[0];
    }

    /// <summary>Processes <paramref name="job"/> (claimed) to its end, or until another replica took it over.</summary>
    public async Task ProcessAsync(ImportJob job, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        if (job.Failures >= MaxFailures)
        {
            await FinishAsync(unit, job, ImportStatus.Failed, $"Processing failed {job.Failures} times; the rows before row {job.RowsRead + 1} are imported.", cancellationToken);
            return;
        }

        if (job.Status == ImportStatus.Queued)
        {
            if (await SaveAsync(unit, job, job with { Status = ImportStatus.Running, StartedAt = unit.Now }, cancellationToken) is not { } running)
            {
                return;
            }

            job = running;
        }

        var columns = job.Columns.Select((name, index) => (name, index))
            .Where(c => job.Mapping.ContainsKey(c.name))
            .Select(c => new ImportColumn(c.index, c.name, ImportMapping.ParseField(job.Mapping[c.name], out _)!))
            .ToList();
        while (job.NextChunk < job.Chunks)
        {
            var chunk = await store.GetAsync(ImportCollections.Chunks, ImportChunk.IdOf(job.Id, job.NextChunk), cancellationToken);
            if (chunk is null)
            {
                await FinishAsync(unit, job, ImportStatus.Failed, $"The upload's part {job.NextChunk + 1} of {job.Chunks} is missing.", cancellationToken);
                return;
            }

            using var reader = ImportUpload.Reader(chunk.Text);
            var done = Skip(reader, job.RowsDoneInChunk);
            while (true)
            {
                var cells = Read(reader, columns, options.ImportBatchSize);
                done += cells.Count;
                var last = cells.Count < options.ImportBatchSize;
                if (await CommitBatchAsync(unit, job, columns, cells, chunk, done, last, cancellationToken) is not { } committed)
                {
                    logger.LogInformation("Import {Job} was taken over by another replica; it stops here", job.Id);
                    return;
                }

                job = committed;

                if (last)
                {
                    break;
                }
            }
        }

        await FinishAsync(unit, job, ImportStatus.Completed, null, cancellationToken);
    }

    private static long Skip(SepReader reader, long rows)
    {
        long skipped = 0;
        while (skipped < rows && reader.MoveNext())
        {
            skipped++;
        }

        return skipped;
    }

    /// <summary>Up to <paramref name="max"/> records' mapped cells (blank records included, as null).</summary>
    private static List<string?[]?> Read(SepReader reader, List<ImportColumn> columns, int max)
    {
        var rows = new List<string?[]?>(max);
        while (rows.Count < max && reader.MoveNext())
        {
            var row = reader.Current;
            if (row.ColCount == 1 && row[0].Span.Trim().IsEmpty)
            {
                rows.Add(null);
                continue;
            }

            var cells = new string?[columns.Count];
            for (var i = 0; i < columns.Count; i++)
            {
                cells[i] = columns[i].Index < row.ColCount ? row[columns[i].Index].ToString() : null;
            }

            rows.Add(cells);
        }

        return rows;
    }

    /// <summary>One batch in one unit of work (again on a race with a resolve); null when the job is no longer this worker's.</summary>
    private async Task<ImportJob?> CommitBatchAsync(
        UnitOfWork unit,
        ImportJob job,
        IReadOnlyList<ImportColumn> columns,
        List<string?[]?> cells,
        ImportChunk chunk,
        long doneInChunk,
        bool chunkDone,
        CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(unit.Now.UtcDateTime);
        var errors = new List<ImportError>();
        var rows = new List<ImportRow>(cells.Count);
        var rowErrors = new List<ImportRowError>();
        for (var i = 0; i < cells.Count; i++)
        {
            if (cells[i] is not { } values)
            {
                continue;
            }

            var number = job.RowsRead + i + 1;
            rowErrors.Clear();
            if (ImportRows.Parse(number, columns, values, job.DefaultRegion, today, rowErrors) is { } row)
            {
                rows.Add(row);
            }
            else
            {
                errors.AddRange(rowErrors.Select((e, n) => Error(job.Id, number, n, e)));
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            unit.Discard();
            var keys = rows.SelectMany(r => r.Command.Identities).Select(i => i.Key).Distinct(StringComparer.Ordinal).ToList();
            var owners = (await unit.GetManyAsync(ContactCollections.Identities, keys, cancellationToken)).ToDictionary(o => o.Id, o => o.ContactId, StringComparer.Ordinal);
            var stored = await unit.GetManyAsync(ContactCollections.Contacts, owners.Values.Distinct(StringComparer.Ordinal), cancellationToken);
            var plan = ImportPlanner.Plan(rows, owners, stored, Ids.New, unit.Now);

            foreach (var identity in plan.Identities)
            {
                unit.Insert(ContactCollections.Identities, identity);
            }

            foreach (var contact in plan.Inserts)
            {
                unit.Insert(ContactCollections.Contacts, contact);
            }

            foreach (var contact in plan.Replaces)
            {
                unit.Replace(ContactCollections.Contacts, contact, contact.Version - 1);
            }

            foreach (var message in plan.Events)
            {
                unit.Publish(message);
            }

            foreach (var (contactId, matches) in plan.Conflicts)
            {
                Duplicates.DuplicateDetector.RecordConflict(unit, contactId, matches);
            }

            var orphans = plan.Outcomes.Where(o => o.Outcome == ImportOutcome.Orphaned)
                .Select(o => Error(job.Id, o.Row.Row, 0, new ImportRowError(string.Empty, "an identity of the row belongs to a contact that no longer exists")))
                .ToList();
            foreach (var error in errors.Concat(orphans))
            {
                unit.Put(ImportCollections.Errors, error);
            }

            var count = (ImportOutcome outcome) => plan.Outcomes.LongCount(o => o.Outcome == outcome);
            var after = job with
            {
                NextChunk = chunkDone ? job.NextChunk + 1 : job.NextChunk,
                RowsDoneInChunk = chunkDone ? 0 : doneInChunk,
                BytesProcessed = chunkDone ? chunk.Offset + chunk.Bytes : chunk.Offset + (chunk.Rows == 0 ? 0 : chunk.Bytes * doneInChunk / chunk.Rows),
                RowsRead = job.RowsRead + cells.Count,
                Created = job.Created + count(ImportOutcome.Created),
                Updated = job.Updated + count(ImportOutcome.Updated),
                Merged = job.Merged + count(ImportOutcome.Merged),
                Rejected = job.Rejected + cells.Count(c => c is not null) - rows.Count + orphans.Count,
            };
            var saved = await SaveAsync(unit, job, after, cancellationToken, attempt < 5 ? ContactCollections.Identities : null);
            if (saved is not null || !await StillOursAsync(job, cancellationToken))
            {
                return saved;
            }

            if (attempt >= 5)
            {
                throw new InvalidOperationException($"A batch of import {job.Id} lost 5 races with concurrent changes in a row.");
            }
        }
    }

    private static ImportError Error(string jobId, long row, int n, ImportRowError error) =>
        new() { Id = ImportError.IdOf(jobId, row, n), JobId = jobId, Row = row, Column = error.Column, Reason = error.Reason };

    /// <summary>
    /// Commits what <paramref name="unit"/> collected with <paramref name="after"/> replacing <paramref name="job"/> at its
    /// version (the lease extended). Null when the commit lost a race: on the job (another replica took it) or, with
    /// <paramref name="raceOn"/>, on a row's identity or contact (a concurrent resolve; the batch runs again).
    /// </summary>
    private async Task<ImportJob?> SaveAsync(UnitOfWork unit, ImportJob job, ImportJob after, CancellationToken cancellationToken, DocumentCollection<IdentityOwner>? raceOn = null)
    {
        after = after with { Version = job.Version + 1, LeaseUntil = unit.Now + options.ImportLease };
        unit.Replace(ImportCollections.Jobs, after, job.Version);
        try
        {
            await unit.CommitAsync(cancellationToken);
            return after;
        }
        catch (Exception ex) when (ex is ConcurrencyException || (ex is DuplicateKeyException duplicate && duplicate.Collection == raceOn?.Name))
        {
            return null;
        }
    }

    private async Task<bool> StillOursAsync(ImportJob job, CancellationToken cancellationToken) =>
        await store.GetAsync(ImportCollections.Jobs, job.Id, cancellationToken) is { } current && current.Version == job.Version && current.LeaseToken == job.LeaseToken;

    /// <summary>Completes or fails the job and deletes its chunks (the upload's personal data) in the same commit.</summary>
    private async Task FinishAsync(UnitOfWork unit, ImportJob job, ImportStatus status, string? error, CancellationToken cancellationToken)
    {
        unit.Discard();
        unit.Add(ImportQueries.DeleteChunks(job.Id));
        var finished = job with
        {
            Status = status,
            Error = error,
            FinishedAt = unit.Now,
            BytesProcessed = status == ImportStatus.Completed ? job.TotalBytes : job.BytesProcessed,
            LeaseToken = null,
        };
        if (await SaveAsync(unit, job, finished, cancellationToken) is null)
        {
            logger.LogInformation("Import {Job} was taken over before it could finish here", job.Id);
        }
    }

    private async Task RecordFailureAsync(string jobId, Exception error)
    {
        try
        {
            await store.CommitAsync(Write.Update(
                ImportCollections.Jobs,
                Filter<ImportJob>.Eq(x => x.Id, jobId),
                new Update<ImportJob>().Inc(x => x.Failures, 1).Set(x => x.LastFailure, $"{error.GetType().Name}: {error.Message}"),
                expectOne: false));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record the failure of import {Job}", jobId);
        }
    }
}
