using System.Security.Claims;
using System.Text.Encodings.Web;
using Crm.Gateway.Keys;
using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.Gateway.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;api key&gt;</c> against <see cref="ApiKeyRegistry"/>. The principal's
/// name is the key's configured name. A challenge answers 401 ProblemDetails with <c>WWW-Authenticate: Bearer</c>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyLookup keys,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Realm = "crm";

    private const string RefusalItem = "crm.api-key.refusal";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return AuthenticateResult.NoResult();
        }

        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header is not a Bearer token.");
        }

        var presented = header[prefix.Length..].Trim();
        var key = presented.Length == 0 ? null : await keys.FindAsync(presented, Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail("The API key is not valid.");
        }

        if (key.RefusalAt(time.GetUtcNow(), Context.Connection.RemoteIpAddress) is { } refusal)
        {
            Context.Items[RefusalItem] = refusal;
            return AuthenticateResult.Fail(refusal);
        }

        Context.Features.Set(key);
        Context.Features.Set(key.Caller);
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, key.Name), new Claim(ApiKeyAuth.KeyNameClaim, key.Name)], ApiKeyAuth.Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyAuth.Scheme));
    }

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
