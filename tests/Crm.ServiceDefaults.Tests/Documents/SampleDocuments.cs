using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Xunit;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>Stored as lower-camel-case strings ("silver", "gold", "bronze"): their text order is not their numeric order.</summary>
public enum Tier
{
    Silver,
    Gold,
    Bronze,
}

/// <summary>A nested record (its <see cref="Zip"/> is optional, so absent when null).</summary>
public sealed record Address(string City, string? Zip);

/// <summary>The document of the layer's contract tests: one field of every kind the layer stores.</summary>
public sealed record Sample : IDocument
{
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required string Name { get; init; }
    public int Count { get; init; }
    public long Big { get; init; }
    public bool Active { get; init; }
    public Tier Tier { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>Optional: absent from the stored document when null.</summary>
    public string? Note { get; init; }
    public List<string> Tags { get; init; } = [];
    public Address? Home { get; init; }
    /// <summary>Keys with dots and a leading <c>$</c>, which MongoDB could not take as field names.</summary>
    public Dictionary<string, string> Attributes { get; init; } = [];
    public decimal Amount { get; init; }
    /// <summary>Unique.</summary>
    public required string Code { get; init; }
    /// <summary>Unique when present.</summary>
    public string? Email { get; init; }
    /// <summary>TTL key.</summary>
    public DateTimeOffset? Touched { get; init; }
    /// <summary>Claim token.</summary>
    public string? Owner { get; init; }

    /// <summary>Computed, not stored: a query cannot name it.</summary>
    [JsonIgnore]
    public string Display => $"{Name} ({Code})";
}

/// <summary>The collections of the contract tests and a few helpers shared by the test classes of this folder.</summary>
public static class SampleCollections
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, 123, TimeSpan.Zero);

    public static readonly TimeSpan TouchedTtl = TimeSpan.FromHours(1);

    /// <summary>Every kind of index: plain, compound with a descending key, unique, unique when present, TTL.</summary>
    public static readonly DocumentCollection<Sample> Samples = new DocumentCollection<Sample>("samples")
        .Index("name", i => i.Asc(x => x.Name))
        .Index("tier_at", i => i.Asc(x => x.Tier).Desc(x => x.At))
        .Index("code", i => i.Asc(x => x.Code).Unique())
        .Index("email", i => i.Asc(x => x.Email).Unique().WhenPresent())
        .Index("touched_ttl", i => i.Asc(x => x.Touched).ExpireAfter(TouchedTtl));

    /// <summary>
    /// Unique per owner and e-mail, for documents that have both: a unique index over optional keys must leave out the
    /// documents without them (<see cref="IndexBuilder{T}.WhenPresent{TValue}"/>), or the two stores would disagree.
    /// </summary>
    public static readonly DocumentCollection<Sample> Owned = new DocumentCollection<Sample>("owned")
        .Index("owner_email", i => i.Asc(x => x.Owner).Asc(x => x.Email).Unique().WhenPresent(x => x.Owner).WhenPresent(x => x.Email));

    private static readonly List<string> NoTags = [];
    private static readonly Dictionary<string, string> NoAttributes = [];

    /// <summary>A document with every field set (ids and unique keys derived from <paramref name="id"/>).</summary>
    public static Sample Full(string id) => new()
    {
        Id = id,
        Version = 3,
        Name = "Ana Lima",
        Count = 42,
        Big = 9_007_199_254_740_993, // 2^53 + 1: lost if it ever went through a double
        Active = true,
        Tier = Tier.Bronze,
        At = T0,
        Note = "first contact at the fair",
        Tags = ["vip", "fair-2026"],
        Home = new Address("Lisboa", "1000-001"),
        Attributes = new Dictionary<string, string> { ["utm.campaign"] = "spring", ["$where"] = "not an operator", ["plain"] = "x" },
        Amount = 1234.5678m,
        Code = "code-" + id,
        Email = id + "@example.com",
        Touched = T0.AddMinutes(-5),
    };

    /// <summary>A document with only what is required.</summary>
    public static Sample Minimal(string id, string? name = null) => new()
    {
        Id = id,
        Name = name ?? "name-" + id,
        At = T0,
        Code = "code-" + id,
    };

    /// <summary>An event of the contracts (the outbox takes nothing else), told apart by its lead id.</summary>
    public static LeadCaptured Captured(string leadId) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = T0,
        LeadId = leadId,
        ContactId = "contact-" + leadId,
        Source = "spring-campaign",
        Channel = "web",
        PagesVisited = 2,
    };

    /// <summary>Every field equal; lists and dictionaries by content.</summary>
    public static void AssertSame(Sample expected, Sample? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Tags = NoTags, Attributes = NoAttributes }, actual with { Tags = NoTags, Attributes = NoAttributes });
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Attributes, actual.Attributes);
    }

    /// <summary>The enum as the stores keep (and sort) it.</summary>
    public static string Stored(Tier tier) => JsonNamingPolicy.CamelCase.ConvertName(tier.ToString());

    /// <summary>Disposes a store opened with <c>TestStore.OpenAnother()</c> (SQLite holds a writer connection; MongoDB shares the client).</summary>
    public static async ValueTask CloseAsync(IDocumentStore store)
    {
        if (store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    /// <summary>A second store on the same file / database, closed on dispose.</summary>
    public static Another OpenSecond(this Crm.Testing.TestStore store) => new(store.OpenAnother());

    public sealed class Another(IDocumentStore store) : IAsyncDisposable
    {
        public IDocumentStore Store { get; } = store;

        public ValueTask DisposeAsync() => CloseAsync(Store);
    }
}
