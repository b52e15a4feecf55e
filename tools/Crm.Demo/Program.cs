// ./crm demo: fills a running platform with a realistic month through the public API (the gateway, an admin key):
// sales reps, leads from every channel with messy identifiers (the same person again in another spelling) captured over
// the last 30 days (more on weekdays, in the day's busy hours), behavioural signals, calls, stage moves through the
// pipeline's exit criteria, won and lost leads, the orders of the won customers, the month's spend per channel, and
// (with the platform's inbound e-mail secret) conversations: contacts' e-mails, the reps' replies, resolutions, CSAT.
// Usage: Crm.Demo --gateway http://127.0.0.1:5000 --key <api key> [--leads 300] [--seed 7] [--email-inbound-secret <secret>]
using Crm.Client;
using Crm.Demo;

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Crm.Demo --gateway <url> --key <api key> [--leads 300] [--seed 7] [--email-inbound-secret <secret>]");
    return 2;
}

var api = CrmClient.Create(options.Gateway, options.Key);
using var webhooks = new HttpClient { BaseAddress = options.Gateway, Timeout = TimeSpan.FromSeconds(30) };
var demo = new Demo(api, new Random(options.Seed), options.Leads, new DemoConversations(api, webhooks, options.EmailInboundSecret));
try
{
    return await demo.RunAsync();
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"\nthe gateway does not answer at {options.Gateway}: {ex.Message} (./crm up)");
    return 1;
}
catch (InvalidOperationException ex)
{
    // A credential the platform refuses (the key's scopes, the inbound e-mail secret): nothing more can be done.
    Console.Error.WriteLine($"\n{ex.Message}");
    return 1;
}

internal sealed record Options(Uri Gateway, string Key, int Leads, int Seed, string? EmailInboundSecret)
{
    public static Options? Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var gateway = Get("--gateway");
        var key = Get("--key");
        if (gateway is null || key is null)
        {
            return null;
        }

        var leads = int.TryParse(Get("--leads"), out var n) && n is > 0 and <= 20_000 ? n : 300;
        var seed = int.TryParse(Get("--seed"), out var s) ? s : 7;
        var secret = Get("--email-inbound-secret");
        return new Options(new Uri(gateway), key, leads, seed, string.IsNullOrWhiteSpace(secret) ? null : secret);
    }
}
