using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.Gateway.Auth;

/// <summary>
/// The API-key scheme: <see cref="GatewayAccess"/> finds the key of <c>Authorization: Bearer &lt;api key&gt;</c>; this
/// handler answers for it (the principal named after the key) and writes its refusals: a challenge is a 401
/// ProblemDetails with <c>WWW-Authenticate: Bearer</c>, a forbidden scope a 403.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Realm = "crm";

    /// <summary>Why a known key was refused (revoked, expired, another address): the 401's detail.</summary>
    internal const string RefusalItem = "crm.api-key.refusal";

    /// <summary>What <see cref="GatewayAccess"/> found for this request (the gateway's own endpoints' policy asks again).</summary>
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(Context.Features.Get<ApiKey>() is { } key
            ? AuthenticateResult.Success(new AuthenticationTicket(key.Principal, ApiKeyAuth.Scheme))
            : AuthenticateResult.NoResult());

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var presented = !string.IsNullOrWhiteSpace(Request.Headers.Authorization.ToString());
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers[HeaderNames.WWWAuthenticate] = presented
            ? $"Bearer realm=\"{Realm}\", error=\"invalid_token\""
            : $"Bearer realm=\"{Realm}\"";
        return GatewayProblems.WriteAsync(
            Context,
            StatusCodes.Status401Unauthorized,
            "Missing or invalid API key.",
            Context.Items[RefusalItem] as string
                ?? (presented
                    ? "The API key in the Authorization header is not valid."
                    : "Send an API key as 'Authorization: Bearer <key>'."));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        GatewayProblems.WriteAsync(
            Context,
            StatusCodes.Status403Forbidden,
            "Forbidden.",
            RouteScopes.Of(Request) is { } needed ? $"{needed.Explain()} The API key does not hold it." : "The API key may not call this route.");
}
