using Crm.Gateway.Keys;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>The gateway store's collection and queries rendered for SQLite (with its plan) and MongoDB: see <c>queries.approved.md</c>.</summary>
public sealed class QueryCatalogTests
{
    private static readonly IReadOnlyList<IDocumentCollection> Collections = [KeyCollections.Keys];

    private static readonly IReadOnlyList<Type> Catalogs = [typeof(KeyCollections)];

    private static readonly Dictionary<Type, object> Samples = [];

    [Fact]
    public Task Every_query_renders_on_both_backends() =>
        QueryCatalog.VerifyAsync("queries.approved.md", Collections, Catalogs, Samples);

    [Fact]
    public async Task The_lookup_of_every_request_uses_the_hash_index_on_SQLite()
    {
        var rendered = await QueryCatalog.RenderAsync(Collections, Catalogs, Samples);

        var section = rendered[rendered.IndexOf("KeyCollections.ByHash", StringComparison.Ordinal)..];
        var plan = section.Split('\n').First(l => l.StartsWith("SQLite plan:", StringComparison.Ordinal));
        Assert.Contains("ix_api_keys.hash", plan, StringComparison.Ordinal);
    }
}
