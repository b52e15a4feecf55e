using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Crm.Client;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>One echo backend and a gateway that trusts <see cref="TestPeople"/>'s provider.</summary>
public sealed class PeopleFixture : IAsyncLifetime
{
    public TestPeople People { get; } = new();

    public EchoBackend Backend { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await EchoBackend.StartAsync();
        Gateway = new GatewayFactory(Backend.Address, People.GatewaySettings);
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }

        People.Dispose();
    }
}

/// <summary>People's JWT bearer tokens next to API keys: validated, mapped to a person with the role's scopes, forwarded as the signed identity.</summary>
public sealed class PeopleAuthTests(PeopleFixture fixture) : IClassFixture<PeopleFixture>
{
    private TestPeople People => fixture.People;

    private EchoBackend Backend => fixture.Backend;

    private HttpClient ClientWith(string token)
    {
        var client = fixture.Gateway.Api(apiKey: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static string Path(string service) => $"/api/{service}/{Guid.NewGuid():N}";

    [Fact]
    public async Task A_reps_token_reaches_the_backend_as_a_person_with_the_reps_scopes()
    {
        var token = People.Token("rep", rep: "rep-ana", team: "north", subject: "ana@example.com", name: "Ana Lima");
        using var client = ClientWith(token);
        var path = Path("leads");

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(Backend.Requests, r => r.Path == path);
        Assert.Equal("ana@example.com", seen.Caller);
        Assert.Equal(CallerIdentity.PersonKind, seen.CallerKind);
        Assert.Equal("Ana Lima", seen.CallerName);
        Assert.Equal("rep", seen.CallerRole);
        Assert.Equal("rep-ana", seen.CallerRep);
        Assert.Equal("north", seen.CallerTeam);
        Assert.Equal("assignment:read assignment:write contacts:read leads:read leads:write messaging:read messaging:write", seen.CallerScopes);
        Assert.NotEqual("Bearer " + token, seen.Authorization);
    }

    [Fact]
    public async Task A_person_has_a_rate_limited_bucket_of_their_own()
    {
        using var client = ClientWith(People.Token("manager", subject: $"boss-{Guid.NewGuid():N}"));

        using var response = await client.GetAsync(new Uri(Path("leads"), UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("RateLimit-Remaining"), "a person's answers carry their bucket's headers");
    }

    [Theory]
    [InlineData("teamlead", "analytics:read assignment:read assignment:write contacts:read leads:read leads:write messaging:read messaging:write")]
    [InlineData("manager", "analytics:read analytics:write assignment:read assignment:write contacts:read contacts:write gateway:read gateway:write leads:read leads:write messaging:read messaging:write")]
    [InlineData("admin", "analytics:admin assignment:admin contacts:admin gateway:admin leads:admin messaging:admin")]
    public async Task Each_role_is_forwarded_with_the_scopes_of_the_role_table(string role, string scopes)
    {
        using var client = ClientWith(People.Token(role, rep: "rep-x", team: "north", subject: $"{role}-1"));
        var path = Path("contacts");

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(Backend.Requests, r => r.Path == path);
        Assert.Equal(role, seen.CallerRole);
        Assert.Equal(scopes, seen.CallerScopes);
        Assert.Equal(string.Join(' ', PersonRoles.ScopesOf(role)!.Order(StringComparer.Ordinal)), seen.CallerScopes);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("wrong issuer")]
    [InlineData("wrong audience")]
    [InlineData("wrong key")]
    [InlineData("not a jwt")]
    public async Task An_invalid_token_is_401_invalid_token_and_nothing_is_forwarded(string why)
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = why switch
        {
            "expired" => People.Token("rep", rep: "r1", expires: DateTimeOffset.UtcNow.AddMinutes(-5)),
            "wrong issuer" => People.Token("rep", rep: "r1", issuer: "https://evil.test/"),
            "wrong audience" => People.Token("rep", rep: "r1", audience: "another-app"),
            "wrong key" => People.Token("rep", rep: "r1", signWith: otherKey),
            _ => "aaa.bbb.ccc",
        };
        using var client = ClientWith(token);
        var path = Path("leads");

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.False(Backend.Saw(path));
    }

    [Fact]
    public async Task A_rep_writing_where_their_role_only_reads_is_403_at_the_gateway_and_nothing_is_forwarded()
    {
        // A rep reads the contacts of their leads but changes none through the API (contacts:read only). (Creating a rep
        // needs assignment:admin, which the Assignment service checks: a rep holds assignment:write for their presence; and
        // messaging:write for their own conversations and contacts, which Messaging checks.)
        using var client = ClientWith(People.Token("rep", rep: "rep-ana"));
        var before = Backend.Requests.Count(r => r.Path == "/api/contacts");

        using var response = await client.PostAsync(new Uri("/api/contacts", UriKind.Relative), JsonContent.Create(new { email = "eve@example.com" }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("contacts:write", await DetailAsync(response), StringComparison.Ordinal);
        Assert.Equal(before, Backend.Requests.Count(r => r.Path == "/api/contacts"));
    }

    [Fact]
    public async Task An_admin_creating_a_rep_is_forwarded_with_assignment_admin()
    {
        using var client = ClientWith(People.Token("admin", subject: "boss"));

        using var response = await client.PostAsync(new Uri("/api/assignment/reps", UriKind.Relative), JsonContent.Create(new { name = "Eve", capacity = 5 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(Backend.Requests, r => r.Path == "/api/assignment/reps" && r.Caller == "boss");
        Assert.Contains("assignment:admin", seen.CallerScopes, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("superuser", "r1", "not a CRM role")]
    [InlineData(null, "r1", "no 'role' claim")]
    [InlineData("rep", null, "'rep' claim")]
    public async Task An_unknown_role_or_a_rep_without_a_rep_id_is_403_with_the_reason(string? role, string? rep, string reason)
    {
        using var client = ClientWith(People.Token(role, rep: rep));
        var path = Path("leads");

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, await DetailAsync(response), StringComparison.Ordinal);
        Assert.False(Backend.Saw(path));
    }

    [Fact]
    public async Task An_unknown_role_on_an_unknown_route_is_403_too()
    {
        using var client = ClientWith(People.Token("superuser", rep: "r1"));

        using var response = await client.GetAsync(new Uri("/api/nope", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Api_keys_still_work_beside_people()
    {
        using var client = fixture.Gateway.Api();
        var path = Path("leads");

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(Backend.Requests, r => r.Path == path);
        Assert.Equal(CallerIdentity.KeyKind, seen.CallerKind);
        Assert.Equal(GatewayFactory.KeyName, seen.Caller);
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("detail").GetString() ?? "";
    }
}

/// <summary>A gateway without <c>Gateway:People</c> accepts no person's token.</summary>
public sealed class PeopleDisabledTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Without_a_people_issuer_a_valid_looking_jwt_is_401()
    {
        using var people = new TestPeople();
        using var client = fixture.Gateway.Api(apiKey: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", people.Token("admin"));
        var path = $"/api/leads/{Guid.NewGuid():N}";

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(fixture.Backend.Saw(path));
    }
}
