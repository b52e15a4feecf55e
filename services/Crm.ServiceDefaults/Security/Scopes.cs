namespace Crm.ServiceDefaults.Security;

/// <summary>What a caller may do in one service: read, write, or administer it (admin includes read and write).</summary>
public enum Access
{
    Read,
    Write,
    Admin,
}

/// <summary>
/// The scope catalogue: <c>&lt;service&gt;:read|write|admin</c> for every service of the public API and the gateway
/// itself (<c>gateway:admin</c> manages API keys). Read and write are independent (a web form's capture key writes
/// leads and reads nothing); admin grants both.
/// </summary>
public static class Scopes
{
    /// <summary>The owners of public routes (the first path segment after <c>/api</c>).</summary>
    public static readonly IReadOnlyList<string> Services = ["contacts", "leads", "assignment", "messaging", "analytics", "gateway"];

    /// <summary>Every scope there is, e.g. <c>leads:write</c>.</summary>
    public static readonly IReadOnlySet<string> All = Services
        .SelectMany(s => new[] { Of(s, Access.Read), Of(s, Access.Write), Of(s, Access.Admin) })
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Every admin scope: what the bootstrap admin key holds.</summary>
    public static readonly IReadOnlyList<string> AllAdmin = [.. Services.Select(s => Of(s, Access.Admin))];

    public static string Of(string service, Access access) => $"{service}:{Name(access)}";

    public static bool IsKnown(string scope) => All.Contains(scope);

    /// <summary>True when <paramref name="held"/> allows <paramref name="access"/> to <paramref name="service"/>.</summary>
    public static bool Grants(IReadOnlySet<string> held, string service, Access access) =>
        held.Contains(Of(service, Access.Admin)) || (access != Access.Admin && held.Contains(Of(service, access)));

    /// <summary>Reads for GET, HEAD and OPTIONS; every other method writes.</summary>
    public static Access ForMethod(string method) =>
        HttpMethodsAreReads(method) ? Access.Read : Access.Write;

    private static bool HttpMethodsAreReads(string method) =>
        string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase)
        || string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase)
        || string.Equals(method, "OPTIONS", StringComparison.OrdinalIgnoreCase);

    private static string Name(Access access) => access switch
    {
        Access.Read => "read",
        Access.Write => "write",
        _ => "admin",
    };
}
