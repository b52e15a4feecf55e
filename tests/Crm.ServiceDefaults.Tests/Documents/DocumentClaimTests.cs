using System.Collections.Concurrent;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// <see cref="IDocumentStore.ClaimAsync{T}"/> on both backends: it takes up to the limit, in the query's order,
/// returns the documents as updated, and two claimers (two store instances on one file or database, like two
/// replicas) never get the same document.
/// </summary>
public sealed class DocumentClaimTests
{
    public static TheoryData<Backend> Backends => TestStore.Backends;

    private static Query<Sample> Claimable(int limit) => Samples.Find(Filter<Sample>.Missing(x => x.Owner)).OrderBy(x => x.Count).Take(limit);

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_claim_takes_up_to_its_limit_in_order_and_returns_the_updated_documents(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        // Counts 7, 6, ..., 0: the claim order is the reverse of the id order.
        await store.Store.CommitAsync(Enumerable.Range(0, 8).Select(i => Write.Insert(Samples, Minimal($"s-{i}") with { Count = 7 - i })).ToList());

        var first = await ClaimAsync(store.Store, "token-1", 3);
        var second = await ClaimAsync(store.Store, "token-2", 3);
        var third = await ClaimAsync(store.Store, "token-3", 3);
        var none = await ClaimAsync(store.Store, "token-4", 3);

        Assert.Equal(["s-5", "s-6", "s-7"], first.Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["s-2", "s-3", "s-4"], second.Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["s-0", "s-1"], third.Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Empty(none);
        Assert.All(first, s => Assert.Equal(("token-1", 2L), (s.Owner, s.Version)));
        Assert.All(third, s => Assert.Equal(("token-3", 2L), (s.Owner, s.Version)));
        Assert.Equal(["token-3", "token-3", "token-2", "token-2", "token-2", "token-1", "token-1", "token-1"], (await store.Store.FindAsync(Samples.All().OrderBy(x => x.Id))).Select(s => s.Owner));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Two_claimers_on_two_store_instances_never_get_the_same_document(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var other = store.OpenSecond();
        const int total = 60;
        await store.Store.CommitAsync(Enumerable.Range(0, total).Select(i => Write.Insert(Samples, Minimal($"s-{i:00}") with { Count = i % 7 })).ToList());

        var claimed = new ConcurrentBag<(string Id, string Token)>();
        var workers = Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
        {
            var replica = worker % 2 == 0 ? store.Store : other.Store;
            for (var round = 0; ; round++)
            {
                var token = $"w{worker}-r{round}";
                var batch = await ClaimAsync(replica, token, 4);
                foreach (var sample in batch)
                {
                    claimed.Add((sample.Id, token));
                }

                if (batch.Count == 0 && await store.Store.CountAsync(Claimable(1)) == 0)
                {
                    return;
                }
            }
        }));
        await Task.WhenAll(workers);

        Assert.Equal(total, claimed.Count);
        Assert.Equal(total, claimed.Select(c => c.Id).Distinct().Count());
        // Each document carries the token of the one claim that returned it.
        var stored = (await store.Store.FindAsync(Samples.All())).ToDictionary(s => s.Id, s => s.Owner);
        Assert.All(claimed, c => Assert.Equal(c.Token, stored[c.Id]));
    }

    private static Task<IReadOnlyList<Sample>> ClaimAsync(IDocumentStore store, string token, int limit) =>
        store.ClaimAsync(
            Claimable(limit),
            new Update<Sample>().Set(x => x.Owner, token).Inc(x => x.Version, 1L),
            Filter<Sample>.Eq(x => x.Owner, token));
}
