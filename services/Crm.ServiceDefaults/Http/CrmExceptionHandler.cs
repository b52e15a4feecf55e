using System.Text.Json;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Http;

/// <summary>
/// Turns exceptions into RFC 9457 ProblemDetails: malformed JSON and unknown fields become 400 naming the field,
/// <see cref="RequestValidationException"/> 400 with field errors, anything else a 500 without internals.
/// </summary>
internal sealed partial class CrmExceptionHandler(IProblemDetailsService problemDetails, ILogger<CrmExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        switch (exception)
        {
            case BadHttpRequestException { InnerException: JsonException json }:
                problem = JsonProblem(json);
                break;
            case RequestValidationException validation:
                problem = new HttpValidationProblemDetails(validation.Errors)
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "The request is invalid.",
                    Detail = validation.Message,
                };
                break;
            case ProblemException known:
                problem = new ProblemDetails { Status = known.Status, Title = known.Title, Detail = known.Message };
                foreach (var (name, value) in known.Extensions)
                {
                    problem.Extensions[name] = value;
                }

                break;
            case BadHttpRequestException bad:
                problem = new ProblemDetails { Status = bad.StatusCode, Title = "The request is malformed.", Detail = bad.Message };
                break;
            case ConcurrencyException or DuplicateKeyException:
                problem = new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict,
                    Title = "The resource was changed by another request.",
                    Detail = "A concurrent request changed the same data; nothing of this request was stored. Read the resource again and retry.",
                };
                break;
            default:
                logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
                problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "An unexpected error occurred." };
                break;
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static HttpValidationProblemDetails JsonProblem(JsonException json)
    {
        var (field, reason, unknown) = CrmJsonErrors.Describe(json);
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [reason] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is invalid.",
            Detail = unknown ? $"Unknown field '{field}'." : $"The field '{field}' has an invalid value.",
        };
    }

    /// <summary>"$.pagesVisited" becomes "pagesVisited", "$.fields.x" stays "fields.x".</summary>
    internal static string FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return string.Empty;
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    internal static string? UnknownPropertyName(string message)
    {
        // "The JSON property 'foo' could not be mapped to any .NET member contained in type '...'."
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }
}

/// <summary>A JSON error of a request body as a field error (the field as the request spells it, and why).</summary>
public static class CrmJsonErrors
{
    public static (string Field, string Reason, bool Unknown) Describe(JsonException json)
    {
        var field = CrmExceptionHandler.FieldName(json.Path);
        var unknown = json.Message.Contains("could not be mapped", StringComparison.Ordinal);
        var propertyName = unknown ? CrmExceptionHandler.UnknownPropertyName(json.Message) : null;
        if (propertyName is not null)
        {
            field = string.IsNullOrEmpty(field) ? propertyName : field;
        }

        var reason = unknown
            ? "Unknown field: it is not part of this resource."
            : "The value is not valid for this field.";
        return (string.IsNullOrEmpty(field) ? "$" : field, reason, unknown);
    }
}
