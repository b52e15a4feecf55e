using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Limits;

/// <summary>
/// Caps request bodies on <c>/api</c> at <c>Gateway:MaxRequestBodyBytes</c>: a declared Content-Length above it is
/// answered 413 before anything is forwarded; a body without Content-Length (chunked) is cut off at the limit. Paths of
/// <c>Gateway:UploadLimits</c> (file uploads the service streams) have their own, larger limit, raised on the server too.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    private readonly long _default = options.Value.MaxRequestBodyBytes;
    private readonly Dictionary<string, long> _uploads = new(options.Value.UploadLimits, StringComparer.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        var upload = _uploads.TryGetValue(context.Request.Path.Value!.TrimEnd('/'), out var uploadLimit);
        var limit = upload ? uploadLimit : _default;
        if (context.Request.ContentLength is { } length && length > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return GatewayProblems.WriteAsync(
                context,
                StatusCodes.Status413PayloadTooLarge,
                "The request body is too large.",
                string.Create(CultureInfo.InvariantCulture, $"The body has {length} bytes; the limit is {limit} bytes."));
        }

        if (upload && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } uploadSize)
        {
            // Above the server's own default (30 MB): the upload's limit holds, with or without Content-Length.
            uploadSize.MaxRequestBodySize = limit;
        }
        else if (context.Request.ContentLength is null)
        {
            // Chunked: the server stops reading at the limit (Kestrel answers 413, which YARP passes on); where the
            // server cannot do that, a counting stream does the same.
            var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (sizeFeature is { IsReadOnly: false })
            {
                sizeFeature.MaxRequestBodySize = limit;
            }
            else
            {
                context.Request.Body = new LimitedRequestStream(context.Request.Body, limit);
            }
        }

        return next(context);
    }
}
