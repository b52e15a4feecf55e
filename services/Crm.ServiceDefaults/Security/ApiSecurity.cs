using System.Text.Encodings.Web;
using Crm.Contracts.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.ServiceDefaults.Security;

/// <summary>
/// Who may call a service's <c>/api</c>: only requests carrying the gateway's signed identity
/// (<c>Authorization: Bearer &lt;ES256 JWT&gt;</c>), and only with the scope the endpoint needs. A group declares its
/// service once (<see cref="RequireCrmAccess"/>); each endpoint then needs <c>&lt;service&gt;:read</c> for reads,
/// <c>&lt;service&gt;:write</c> for writes, or what it declares itself (<see cref="RequireAccess{TBuilder}"/>).
/// </summary>
public static class ApiSecurity
{
    public const string Scheme = "crm-identity";

    public static WebApplicationBuilder AddCrmApiSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<InternalIdentityOptions>()
            .Bind(builder.Configuration.GetSection(InternalIdentityOptions.Section))
            .Validate(o => HasPublicKey(o), $"{InternalIdentityOptions.Section}:PublicKeyPem or {InternalIdentityOptions.Section}:PublicKeyFile must hold the gateway's public key (PEM): every API request's identity is verified with it.")
            .ValidateOnStart();
        builder.Services.AddSingleton<InternalIdentityValidator>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, InternalIdentityHandler>(Scheme, _ => { });
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        return builder;
    }

    /// <summary>Every endpoint of the group needs the gateway's identity and a scope of <paramref name="service"/>.</summary>
    public static RouteGroupBuilder RequireCrmAccess(this RouteGroupBuilder group, string service)
    {
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            var declared = endpoint.Metadata.OfType<RequiredAccess>().LastOrDefault();
            var method = endpoint.Metadata.OfType<HttpMethodMetadata>().FirstOrDefault() is { HttpMethods.Count: > 0 } methods ? methods.HttpMethods[0] : "POST";
            var scope = new RequiredScope(service, declared?.Access ?? Scopes.ForMethod(method));
            endpoint.Metadata.Add(scope);
            endpoint.Metadata.Add(new AuthorizationPolicyBuilder(Scheme)
                .RequireAuthenticatedUser()
                .AddRequirements(new ScopeRequirement(scope))
                .Build());
        });
        return group;
    }

    /// <summary>This endpoint needs <paramref name="access"/> instead of what its HTTP method implies (e.g. admin).</summary>
    public static TBuilder RequireAccess<TBuilder>(this TBuilder builder, Access access)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredAccess(access));

    /// <summary>The verified caller of this request (null outside a <see cref="RequireCrmAccess"/> group).</summary>
    public static CallerIdentity? Caller(this HttpContext context) =>
        context.Features.Get<CallerIdentity>();

    /// <summary>Who is doing this request, for events and audit fields (<see cref="CallerIdentity.ToActor"/>); only on routes that require a caller.</summary>
    public static Actor Actor(this HttpContext context) =>
        context.Caller()?.ToActor() ?? throw new InvalidOperationException("The request has no verified caller: audit fields are written only on routes that require one.");

    private static bool HasPublicKey(InternalIdentityOptions o) =>
        !string.IsNullOrWhiteSpace(o.PublicKeyPem) || !string.IsNullOrWhiteSpace(o.PublicKeyFile)
        || !string.IsNullOrWhiteSpace(o.SigningKeyPem) || !string.IsNullOrWhiteSpace(o.SigningKeyFile);
}

/// <summary>An endpoint's own access level, overriding the one its HTTP method implies.</summary>
public sealed record RequiredAccess(Access Access);

/// <summary>The scope an endpoint needs, as metadata (read by the 403 answer and the security tests).</summary>
public sealed record RequiredScope(string Service, Access Access)
{
    public override string ToString() => Scopes.Of(Service, Access);

    /// <summary>The 403 sentence every refusal uses: which scope the route needs (admin holds read and write).</summary>
    public string Explain() =>
        Access == Access.Admin ? $"This route needs the scope '{this}'." : $"This route needs the scope '{this}' (or '{Service}:admin').";
}

internal sealed record ScopeRequirement(RequiredScope Scope) : IAuthorizationRequirement;

internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var caller = (context.Resource as HttpContext)?.Caller();
        if (caller is not null && caller.Can(requirement.Scope.Service, requirement.Scope.Access))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Authenticates the gateway's signed identity; answers 401 and 403 as ProblemDetails.</summary>
internal sealed class InternalIdentityHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    InternalIdentityValidator validator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var (caller, error) = await validator.ValidateAsync(header[prefix.Length..].Trim());
        if (caller is null)
        {
            return AuthenticateResult.Fail(error ?? "The identity is not valid.");
        }

        Context.Features.Set(caller);
        return AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(Scheme.Name), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Missing or invalid identity.",
                detail: "Call the API through the gateway: services accept only the identity it signs.")
            .ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var scope = Context.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>();
        return Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden.",
                detail: scope?.Explain() ?? "The caller may not call this route.")
            .ExecuteAsync(Context);
    }
}

/// <summary>
/// Marks an endpoint that outside providers call without a platform identity (a delivery status callback, a provider
/// webhook): anonymous by design, verified by the provider's own signature (<see cref="Verification"/> says which). Such
/// an endpoint must answer 401 to an unsigned request; the security matrix checks it instead of a scope.
/// </summary>
public sealed record SignedWebhook(string Verification);

public static class SignedWebhooks
{
    /// <summary>No platform identity needed: the handler verifies <paramref name="verification"/> itself and answers 401 when it fails.</summary>
    public static TBuilder AllowSignedWebhook<TBuilder>(this TBuilder builder, string verification)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AllowAnonymous().WithMetadata(new SignedWebhook(verification));
}
