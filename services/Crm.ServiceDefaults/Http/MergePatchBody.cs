using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Crm.ServiceDefaults.Http;

/// <summary>The one reader of a JSON merge patch body (<c>PATCH</c> of leads, contacts ...).</summary>
public static class MergePatchBody
{
    /// <summary>
    /// The body as a JSON object. Not JSON, or a member named twice (which one would win is not the caller's to guess), is
    /// a 400 for a malformed body; any other JSON value is a 400 naming <c>$</c>.
    /// </summary>
    public static async Task<JsonObject> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }, cancellationToken: cancellationToken) as JsonObject
                ?? throw new RequestValidationException("$", "A JSON object is required.");
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException("The request body is invalid.", StatusCodes.Status400BadRequest, ex);
        }
    }
}
