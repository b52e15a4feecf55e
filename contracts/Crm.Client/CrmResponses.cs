using Refit;

namespace Crm.Client;

/// <summary>Helpers for the <see cref="IApiResponse"/> results of <see cref="ICrmApi"/>.</summary>
public static class CrmResponses
{
    /// <summary>
    /// The RFC 9457 ProblemDetails of a failed response (<c>title</c>, <c>detail</c>, <c>status</c> and, for
    /// validation failures, field <c>errors</c> keyed by the request's field names); null for a success or a body that
    /// is not ProblemDetails.
    /// </summary>
    /// <param name="response">A response of <see cref="ICrmApi"/>.</param>
    public static ProblemDetails? GetProblem(this IApiResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Error switch
        {
            ValidationApiException validation => validation.Content,
            ApiException { HasContent: true } error => TryRead(error),
            _ => null,
        };
    }

    /// <summary>The content of a successful response; otherwise throws its <see cref="ApiException"/> (a <see cref="ValidationApiException"/> for ProblemDetails bodies).</summary>
    /// <param name="response">A response of <see cref="ICrmApi"/>.</param>
    /// <exception cref="ApiException">The response is not a success.</exception>
    public static T EnsureSuccess<T>(this IApiResponse<T> response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode && response.Content is { } content)
        {
            return content;
        }

        throw response.Error ?? throw new InvalidOperationException($"The response {(int?)response.StatusCode} has no content.");
    }

    private static ProblemDetails? TryRead(ApiException error)
    {
        try
        {
            return ValidationApiException.Create(error).Content;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
