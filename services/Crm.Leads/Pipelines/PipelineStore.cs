using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Pipelines;

/// <summary>Reads pipelines: the stored version, or for <c>default</c> never saved, <see cref="PipelineDefinitions.Default"/>.</summary>
public static class PipelineStore
{
    public static async Task<Pipeline?> GetAsync(UnitOfWork unit, string id, CancellationToken cancellationToken) =>
        await unit.GetAsync(PipelineCollections.Pipelines, id, cancellationToken)
        ?? (id == Pipeline.DefaultId ? PipelineDefinitions.Default(DateTimeOffset.UnixEpoch) : null);

    /// <summary>Every pipeline, <c>default</c> first.</summary>
    public static async Task<IReadOnlyList<Pipeline>> ListAsync(UnitOfWork unit, CancellationToken cancellationToken)
    {
        var stored = await unit.FindAsync(PipelineCollections.Pipelines.All().OrderBy(p => p.Id).Take(200), cancellationToken);
        return stored.Any(p => p.Id == Pipeline.DefaultId)
            ? [.. stored.OrderBy(p => p.Id == Pipeline.DefaultId ? 0 : 1)]
            : [PipelineDefinitions.Default(DateTimeOffset.UnixEpoch), .. stored];
    }
}

/// <summary>
/// Pipelines for the capture hot path, read through a short cache (a new version is seen by every replica within
/// <see cref="CacheFor"/>, at once by the one that saved it). Stage moves read the stored version itself.
/// </summary>
public sealed class PipelineCache(TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Pipeline? Pipeline, DateTimeOffset ReadAt)> _read = new(StringComparer.Ordinal);

    public async Task<Pipeline?> GetAsync(UnitOfWork unit, string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_read.TryGetValue(id, out var cached) && now - cached.ReadAt < CacheFor)
        {
            return cached.Pipeline;
        }

        var pipeline = await PipelineStore.GetAsync(unit, id, cancellationToken);
        _read[id] = (pipeline, now);
        return pipeline;
    }

    public void Invalidate(string id) => _read.TryRemove(id, out _);
}
