using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Limits;

/// <summary>
/// Caps request bodies on <c>/api</c> at <c>Gateway:MaxRequestBodyBytes</c>: a declared Content-Length above it is
/// answered 413 before anything is forwarded; a body without Content-Length (chunked) is cut off at the limit.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    private readonly long _limit = options.Value.MaxRequestBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        if (context.Request.ContentLength is { } length && length > _limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return GatewayProblems.WriteAsync(
                context,
                StatusCodes.Status413PayloadTooLarge,
                "The request body is too large.",
                string.Create(CultureInfo.InvariantCulture, $"The body has {length} bytes; the limit is {_limit} bytes."));
        }

        if (context.Request.ContentLength is null)
        {
            // Chunked: the server stops reading at the limit (Kestrel answers 413, which YARP passes on); where the
            // server cannot do that, a counting stream does the same.
            var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (sizeFeature is { IsReadOnly: false })
            {
                sizeFeature.MaxRequestBodySize = _limit;
            }
            else
            {
                context.Request.Body = new LimitedRequestStream(context.Request.Body, _limit);
            }
        }

        return next(context);
    }
}
