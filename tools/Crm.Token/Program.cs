// Mints a person's bearer token signed with the local development issuer's key (./crm token). Prints only the token.
//   Crm.Token --key <private PEM> --issuer <iss> --audience <aud> --role <role> [--rep <id>] [--team <id>]
//             [--name <name>] [--sub <subject>] [--minutes <n>]
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        return Fail($"unexpected argument '{args[i]}' (options are --name value pairs)");
    }

    options[args[i][2..]] = args[++i];
}

string? Get(string name) => options.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

var known = new[] { "key", "issuer", "audience", "role", "rep", "team", "name", "sub", "minutes" };
if (options.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
{
    return Fail($"unknown option --{unknown}; known: --{string.Join(", --", known)}");
}

var keyFile = Get("key");
var role = Get("role");
if (keyFile is null || Get("issuer") is null || Get("audience") is null || role is null)
{
    return Fail("--key, --issuer, --audience and --role are required");
}

if (role is not ("rep" or "teamlead" or "manager" or "admin"))
{
    return Fail($"--role must be rep, teamlead, manager or admin, not '{role}'");
}

if (role == "rep" && Get("rep") is null)
{
    return Fail("a rep needs --rep <rep id> (the id Assignment gave the rep)");
}

if (role == "teamlead" && Get("team") is null)
{
    return Fail("a team lead needs --team <team id>");
}

var minutes = 60;
if (Get("minutes") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out minutes) || minutes is < 1 or > 24 * 60))
{
    return Fail("--minutes must be a whole number from 1 to 1440");
}

using var key = ECDsa.Create();
key.ImportFromPem(File.ReadAllText(keyFile));
var subject = Get("sub") ?? (Get("rep") is { } rep ? $"{role}-{rep}" : $"{role}-{Get("team") ?? "local"}");
var claims = new Dictionary<string, object>(StringComparer.Ordinal)
{
    ["sub"] = subject,
    ["name"] = Get("name") ?? subject,
    ["role"] = role,
};
foreach (var claim in new[] { "rep", "team" })
{
    if (Get(claim) is { } value)
    {
        claims[claim] = value;
    }
}

var now = DateTime.UtcNow;
var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
{
    Issuer = Get("issuer"),
    Audience = Get("audience"),
    IssuedAt = now,
    NotBefore = now,
    Expires = now.AddMinutes(minutes),
    Claims = claims,
    SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256),
});
Console.WriteLine(token);
return 0;

static int Fail(string message)
{
    Console.Error.WriteLine($"crm token: {message}");
    return 2;
}
