using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Pipelines;

/// <summary>Pipelines (the current version, by id) and every version ever saved (<c>{id}@{version}</c>).</summary>
public static class PipelineCollections
{
    public static readonly DocumentCollection<Pipeline> Pipelines = new("pipelines");

    public static readonly DocumentCollection<PipelineVersion> Versions = new("pipeline_versions");
}

/// <summary>A saved version of a pipeline, kept for history (leads' stage changes name the version they were checked against).</summary>
public sealed record PipelineVersion : IDocument
{
    public required string Id { get; init; }
    public required Pipeline Pipeline { get; init; }
    public long Version { get; init; } = 1;

    public static string IdOf(string pipelineId, long version) => $"{pipelineId}@{version}";
}
