using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Crm.ServiceDefaults.Http;

internal static class ProblemDetailsDefaults
{
    public static void Customize(ProblemDetailsContext context)
    {
        context.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
    }
}
