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
