namespace Crm.Gateway;

/// <summary>Writes the gateway's own RFC 9457 answers (401, 404, 413, 429) through the shared ProblemDetails service.</summary>
internal static class GatewayProblems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}
