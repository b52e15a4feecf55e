namespace Crm.ServiceDefaults.Http;

/// <summary>
/// A request that is well-formed but cannot be done as asked: becomes a ProblemDetails with <see cref="Status"/>
/// (404, 409, 412, 422 ...), <see cref="Title"/>, the message as <c>detail</c> and <see cref="Extensions"/> as extra
/// members (e.g. a 422's <c>missingFields</c>). Nothing of the request is stored (the unit of work is not committed).
/// </summary>
public sealed class ProblemException : Exception
{
    public ProblemException(int status, string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
        : base(detail)
    {
        Status = status;
        Title = title;
        Extensions = extensions ?? new Dictionary<string, object?>();
    }

    public ProblemException()
        : this(500, "An unexpected error occurred.", "An unexpected error occurred.")
    {
    }

    public ProblemException(string message)
        : this(500, "An unexpected error occurred.", message)
    {
    }

    public ProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 500;
        Title = "An unexpected error occurred.";
        Extensions = new Dictionary<string, object?>();
    }

    public int Status { get; }

    public string Title { get; }

    public IReadOnlyDictionary<string, object?> Extensions { get; }

    /// <summary>404: unknown or not visible to the caller (both answered alike).</summary>
    public static ProblemException NotFound(string what, string id) =>
        new(404, $"{what} not found.", $"There is no {what.ToLowerInvariant()} '{id}'.");

    /// <summary>422: well-formed, but a business rule does not allow it.</summary>
    public static ProblemException Unprocessable(string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null) =>
        new(422, title, detail, extensions);

    /// <summary>409: conflicts with the current state.</summary>
    public static ProblemException Conflict(string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null) =>
        new(409, title, detail, extensions);
}
