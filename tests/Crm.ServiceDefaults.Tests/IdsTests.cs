using Crm.ServiceDefaults.Storage;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

public sealed class IdsTests
{
    [Fact]
    public void Ids_strictly_increase_even_within_one_millisecond()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => Ids.New()).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
    }

    [Fact]
    public void Ids_are_version_7_uuids()
    {
        Assert.Equal(7, Guid.ParseExact(Ids.New(), "N").Version);
    }
}
