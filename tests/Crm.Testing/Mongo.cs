using Xunit;

namespace Crm.Testing;

/// <summary>
/// MongoDB for store contract tests: only when <c>CRM_TEST_MONGO_URL</c> names a server (a replica set, for
/// transactions), e.g. <c>docker compose up mongo</c> on a machine with Docker. Our build machines cannot run one.
/// </summary>
public static class MongoTestServer
{
    public const string Variable = "CRM_TEST_MONGO_URL";

    public const string SkipReason = "CRM_TEST_MONGO_URL is not set: no MongoDB server can run on this machine, so the MongoDB run of this store contract test is skipped (the SQLite run of the same test executed).";

    public static string? Url => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url ? url : null;

    /// <summary>Call first in a MongoDB contract test: skips it visibly when no server is configured.</summary>
    public static string RequireUrl()
    {
        Skip.If(Url is null, SkipReason);
        return Url!;
    }

    /// <summary>A database name no other test uses.</summary>
    public static string NewDatabaseName(string service) => $"crm-test-{service}-{Guid.NewGuid():N}";
}
