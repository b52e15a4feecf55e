using System.Security.Claims;
using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;

namespace Crm.Gateway.Auth;

/// <summary>
/// People: JWT bearer tokens from the OIDC provider (<see cref="PeopleOptions"/>), next to API keys on the same
/// <c>Authorization: Bearer</c> header. <see cref="Scheme"/> picks the handler per request: a token of three
/// dot-separated parts is a JWT (scheme <see cref="JwtScheme"/>), anything else an API key. A valid token becomes a
/// <see cref="CallerIdentity"/> of kind <c>person</c> (sub, name, role, rep, team) with the scopes of its role
/// (<see cref="PersonRoles"/>), set as the request's caller exactly as an API key's is, so the route's scope check
/// and the forwarded identity work the same for both.
/// </summary>
public static class PeopleAuth
{
    /// <summary>The scheme the gateway authenticates with: forwards to <see cref="JwtScheme"/> or <see cref="ApiKeyAuth.Scheme"/>.</summary>
    public const string Scheme = "Bearer";

    public const string JwtScheme = "Person";

    /// <summary>Why a valid token may still not call anything (unknown role, a rep without a rep id): answered 403.</summary>
    private const string RefusedItem = "crm:person-refused";

    private const string Realm = "crm";

    public static AuthenticationBuilder AddPeopleAuth(this AuthenticationBuilder authentication)
    {
        var services = authentication.Services;
        services.AddOptions<PeopleOptions>()
            .BindConfiguration(PeopleOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PeopleOptions>, PeopleOptionsValidator>();
        services.AddOptions<JwtBearerOptions>(JwtScheme).Configure<IOptions<PeopleOptions>>((jwt, people) => Configure(jwt, people.Value));

        authentication.AddPolicyScheme(Scheme, "API key or person", options => options.ForwardDefaultSelector = context =>
            SchemeOf(context.Request, context.RequestServices.GetRequiredService<IOptions<PeopleOptions>>().Value));
        authentication.AddJwtBearer(JwtScheme, _ => { });
        return authentication;
    }

    /// <summary>The scheme of a request's credential: <see cref="JwtScheme"/> for a JWT while people are on, else the API key's.</summary>
    public static string SchemeOf(HttpRequest request, PeopleOptions people) =>
        LooksLikeJwt(request) && people.Enabled ? JwtScheme : ApiKeyAuth.Scheme;

    /// <summary>A bearer token of three non-empty dot-separated parts (a JWS); API keys never have that shape.</summary>
    public static bool LooksLikeJwt(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var parts = header.AsSpan(prefix.Length).Trim();
        var first = parts.IndexOf('.');
        var last = parts.LastIndexOf('.');
        return first > 0 && last > first + 1 && last < parts.Length - 1 && parts[(first + 1)..last].IndexOf('.') < 0;
    }

    /// <summary>The caller a validated token names, or the reason (for the 403) why it may not call anything.</summary>
    public static (CallerIdentity? Caller, string? Refused) ToCaller(ClaimsPrincipal principal, PeopleOptions options)
    {
        string? First(string type) => principal.FindAll(type).Select(c => c.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

        var subject = First("sub");
        if (subject is null)
        {
            return (null, "The token names no subject ('sub').");
        }

        // A provider may give several roles: the person acts with the most privileged role the CRM knows.
        var roles = principal.FindAll(options.RoleClaim).Select(c => c.Value.Trim()).ToHashSet(StringComparer.Ordinal);
        var role = new[] { PersonRoles.Admin, PersonRoles.Manager, PersonRoles.TeamLead, PersonRoles.Rep }.FirstOrDefault(roles.Contains);
        if (role is null)
        {
            return (null, roles.Count == 0
                ? $"The token has no '{options.RoleClaim}' claim; a person needs one of the roles {string.Join(", ", PersonRoles.All)}."
                : $"The role '{string.Join(' ', roles)}' is not a CRM role; known roles: {string.Join(", ", PersonRoles.All)}.");
        }

        var rep = First(options.RepClaim);
        var team = First(options.TeamClaim);
        if (role == PersonRoles.Rep && rep is null)
        {
            return (null, $"A rep's token must name their rep id in the '{options.RepClaim}' claim.");
        }

        if (role == PersonRoles.TeamLead && team is null)
        {
            return (null, $"A team lead's token must name their team in the '{options.TeamClaim}' claim.");
        }

        return (new CallerIdentity(subject, CallerIdentity.PersonKind, First("name") ?? subject, PersonRoles.ScopesOf(role)!)
        {
            Role = role,
            RepId = rep,
            TeamId = team,
        }, null);
    }

    private static void Configure(JwtBearerOptions jwt, PeopleOptions people)
    {
        // Claims stay as the provider named them (sub, role, ...), not mapped to WS-* URIs.
        jwt.MapInboundClaims = false;
        jwt.SaveToken = false;
        jwt.IncludeErrorDetails = false;
        if (!people.Enabled)
        {
            return;
        }

        var keys = string.IsNullOrWhiteSpace(people.Authority) ? people.LoadSigningKeys() : null;
        if (keys is null)
        {
            jwt.Authority = people.Authority;
            jwt.RequireHttpsMetadata = people.RequireHttpsMetadata;
        }

        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = people.Issuer,
            ValidAudience = people.Audience,
            IssuerSigningKeys = keys,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = people.ClockSkew,
            NameClaimType = "name",
            RoleClaimType = people.RoleClaim,
        };
        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var (caller, refused) = ToCaller(context.Principal!, people);
                var subject = caller?.Subject ?? context.Principal!.FindFirst("sub")?.Value ?? "unknown";

                // The principal's name partitions the rate limit: one bucket per person.
                var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "person:" + subject)], JwtScheme);
                context.Principal = new ClaimsPrincipal(identity);
                if (caller is null)
                {
                    context.HttpContext.Items[RefusedItem] = refused;
                }
                else
                {
                    context.HttpContext.Features.Set(caller);
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers[HeaderNames.WWWAuthenticate] = $"Bearer realm=\"{Realm}\", error=\"invalid_token\"";
                await GatewayProblems.WriteAsync(
                    context.HttpContext,
                    StatusCodes.Status401Unauthorized,
                    "Missing or invalid bearer token.",
                    context.AuthenticateFailure switch
                    {
                        SecurityTokenExpiredException => "The token has expired: sign in again.",
                        SecurityTokenInvalidIssuerException => "The token was not issued by the identity provider the CRM trusts.",
                        SecurityTokenInvalidAudienceException => "The token is not meant for the CRM (audience).",
                        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
                        _ => "The bearer token is not valid.",
                    });
            },
            OnForbidden = context =>
            {
                var refused = context.HttpContext.Items[RefusedItem] as string;
                var caller = context.HttpContext.Caller();
                return GatewayProblems.WriteAsync(
                    context.HttpContext,
                    StatusCodes.Status403Forbidden,
                    "Forbidden.",
                    refused ?? (RouteScopes.Of(context.Request) is { } needed
                        ? $"{needed.Explain()} The role '{caller?.Role}' does not hold it."
                        : "This person may not call this route."));
            },
        };
    }
}
