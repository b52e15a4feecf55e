using System.Collections.Concurrent;
using Crm.Gateway.Auth;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Keys;

/// <summary>
/// Finds the key a request presents: the configured keys first (fixed time, <see cref="ApiKeyRegistry"/>), then the
/// store by the key's SHA-256 (only for keys shaped like the gateway's own, <c>crm_…</c>). What the store answered
/// is remembered for <c>Gateway:KeyCacheTtl</c> (default 10 s), misses included: a revocation reaches every gateway
/// replica within that time, and a flood of wrong keys costs one store read per distinct key and period.
/// </summary>
public sealed class ApiKeyLookup(ApiKeyRegistry configured, IDocumentStore store, TimeProvider time, IOptions<GatewayOptions> options)
{
    private const int MaxCached = 50_000;
    private readonly ConcurrentDictionary<string, (ApiKey? Key, DateTimeOffset FetchedAt)> _cache = new(StringComparer.Ordinal);

    public async ValueTask<ApiKey?> FindAsync(string presented, CancellationToken cancellationToken)
    {
        if (configured.Match(presented) is { } key)
        {
            return key;
        }

        if (!presented.StartsWith(StoredApiKey.KeyPrefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            return null;
        }

        var hash = ApiKeyRegistry.Sha256Hex(presented);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && now - cached.FetchedAt < options.Value.KeyCacheTtl)
        {
            return cached.Key;
        }

        var matches = await store.FindAsync(KeyCollections.ByHash(hash), cancellationToken);
        var stored = matches.Count > 0 ? matches[0] : null;
        var found = stored?.ToApiKey();
        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[hash] = (found, now);
        return found;
    }

    /// <summary>This replica forgets what it knew of the key (after a revocation or rotation made here).</summary>
    public void Forget(string hash) => _cache.TryRemove(hash, out _);
}
