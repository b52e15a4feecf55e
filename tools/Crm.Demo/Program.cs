// ./crm demo: fills a running platform with a realistic month through the public API (the gateway, an admin key):
// sales reps, leads from every channel with messy identifiers (the same person again in another spelling), behavioural
// signals, calls, stage moves through the pipeline's exit criteria, won and lost leads, and the orders of the won
// customers. Usage: Crm.Demo --gateway http://127.0.0.1:5000 --key <api key> [--leads 300] [--seed 7]
using System.Globalization;
using System.Net;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Api.Messaging;
using Refit;

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Crm.Demo --gateway <url> --key <api key> [--leads 300] [--seed 7]");
    return 2;
}

var api = CrmClient.Create(options.Gateway, options.Key);
var demo = new Demo(api, new Random(options.Seed), options.Leads);
try
{
    return await demo.RunAsync();
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"\nthe gateway does not answer at {options.Gateway}: {ex.Message} (./crm up)");
    return 1;
}

internal sealed record Options(Uri Gateway, string Key, int Leads, int Seed)
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
        return new Options(new Uri(gateway), key, leads, seed);
    }
}

internal sealed class Demo(ICrmApi api, Random random, int leadCount)
{
    private static readonly string[] FirstNames = ["Anna", "Jonas", "Lea", "Felix", "Mia", "Paul", "Emma", "Luca", "Sofia", "Noah", "Marie", "Ben", "Lina", "Elias", "Clara", "Finn", "Ida", "Karl", "Greta", "Omar", "Aylin", "Mateo", "Zofia", "Ivan"];
    private static readonly string[] LastNames = ["Schmidt", "Müller", "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Yilmaz", "Nowak", "García", "Rossi", "Dubois"];
    private static readonly string[] Domains = ["example.com", "mail.example.org", "example.net", "web.example.de"];

    // Every channel, with the sources and campaigns a B2C company sees on it, weighted by how common it is.
    private static readonly (Channel Channel, int Weight, string[] Sources, string[] Campaigns)[] Channels =
    [
        (Channel.Web, 30, ["spring-landing", "pricing-page", "blog-signup"], ["spring-sale", "evergreen"]),
        (Channel.Ads, 22, ["google-ads", "facebook-ads", "instagram-ads"], ["spring-sale", "retargeting", "brand"]),
        (Channel.Whatsapp, 12, ["whatsapp-button"], ["spring-sale", "support"]),
        (Channel.Sms, 6, ["sms-keyword"], ["in-store"]),
        (Channel.Email, 10, ["newsletter", "reactivation-mail"], ["newsletter-11", "winback"]),
        (Channel.Phone, 8, ["hotline"], ["hotline"]),
        (Channel.Referral, 8, ["customer-referral", "partner-portal"], ["friends-bring-friends"]),
        (Channel.Unknown, 4, ["import", "trade-fair"], ["fair-2026"]),
    ];

    private static readonly string[] SignalTypes = ["page-view", "page-view", "page-view", "download", "click", "form-submit", "email-open", "email-click", "reply", "cart-add", "cart-abandon"];
    private static readonly string[] Interests = ["solar-panels", "heat-pump", "battery-storage", "wallbox", "insulation"];
    private static readonly string[] LostReasons = ["no-budget", "no-response", "chose-competitor", "not-interested", "bad-timing"];
    private static readonly string[] CallOutcomes = ["answered", "answered", "answered", "no-answer", "voicemail", "busy"];

    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private int _done;
    private int _total;

    public async Task<int> RunAsync()
    {
        var people = People();
        var leads = people.Select(Lead).ToList();
        var closing = (int)(leadCount * 0.3);
        _total = 3 + leads.Count + leads.Count + closing * 5 + leadCount / 5;

        var reps = await EnsureRepsAsync();
        Console.Error.WriteLine($"{reps.Count} reps; capturing {leads.Count} leads of {people.Select(p => p.Key).Distinct().Count()} people, then signals, calls, stage moves, won and lost, orders");

        var captured = await CaptureAsync(leads);
        await SignalsAsync(captured);
        // Each lead once (a repeat capture answers with the open lead's id).
        var distinct = captured.Where(c => c.Id is not null).DistinctBy(c => c.Id).ToList();
        var (won, lost) = await CloseAsync(distinct.Take(closing).ToList(), reps);
        var calls = await CallsAsync(distinct.Skip(closing).Take(leadCount / 5).ToList(), reps);
        Progress("done");
        Console.Error.WriteLine();

        Console.WriteLine($"captured {captured.Count(c => c.Id is not null)} leads: {captured.Count(c => c.Id is not null && !c.Repeat)} new, " +
                          $"{captured.Count(c => c.Repeat)} recorded on the open lead of a person seen before (spelt differently); " +
                          $"{won.Count} won with {won.Sum(w => w.Orders)} orders, {lost} lost, {calls} calls logged");
        foreach (var (step, count) in _failures.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"refused: {count} × {step}");
        }

        Console.WriteLine("Open the dashboard: /dashboard/ on the gateway, signed in with the same key.");
        return 0;
    }

    private async Task<List<RepResponse>> EnsureRepsAsync()
    {
        var existing = Ok(await api.ListRepsAsync(limit: 100), "list reps")?.Items.Where(r => r.Active).ToList() ?? [];
        foreach (var name in new[] { "Rita Rep", "Marco Sales", "Ines Closer" }.Skip(existing.Count))
        {
            if (Ok(await api.CreateRepAsync(new CreateRepRequest { Name = name, Capacity = 500 }), "create rep") is { } rep)
            {
                existing.Add(rep);
            }

            Step("reps");
        }

        _done = 3;
        return existing;
    }

    /// <summary>The people behind the leads: most once, some twice (a second capture spelled differently).</summary>
    private List<(string Key, Person Person, bool Repeat)> People()
    {
        var distinct = (int)(leadCount * 0.88);
        var people = Enumerable.Range(0, distinct).Select(i => NewPerson(i)).ToList();
        var list = people.Select(p => (p.Key, p, false)).ToList();
        for (var i = distinct; i < leadCount; i++)
        {
            var again = people[random.Next(people.Count)];
            list.Insert(random.Next(list.Count + 1), (again.Key, again, true));
        }

        return list;
    }

    private Person NewPerson(int i)
    {
        var first = Pick(FirstNames);
        var last = Pick(LastNames);
        var local = $"{first}.{last}{i}".ToLowerInvariant().Replace('ü', 'u').Replace('í', 'i');
        var number = $"{random.Next(100, 999)} {random.Next(1000, 9999)}";
        return new Person($"p{i}", $"{first} {last}", $"{local}@{Pick(Domains)}", $"30 {number}", random.Next(4) == 0 ? $"shop:{10_000 + i}" : null);
    }

    private CaptureLeadRequest Lead((string Key, Person Person, bool Repeat) entry)
    {
        var (channel, sources, campaigns) = PickChannel();
        var person = entry.Person;
        // Messy identifiers, as forms and imports send them: upper case and blanks in e-mails, every phone format.
        var email = random.Next(3) switch
        {
            0 => person.Email,
            1 => $" {person.Email.ToUpperInvariant()} ",
            _ => char.ToUpperInvariant(person.Email[0]) + person.Email[1..],
        };
        var digits = person.Phone.Replace(" ", string.Empty, StringComparison.Ordinal);
        var phone = random.Next(4) switch
        {
            0 => $"+49 {person.Phone}",
            1 => $"0{digits[..2]}-{digits[2..]}",
            2 => $"0049 ({digits[..2]}) {digits[2..5]} {digits[5..]}",
            _ => $"+49{digits}",
        };
        var withEmail = channel is not (Channel.Phone or Channel.Sms or Channel.Whatsapp) || random.Next(3) == 0;
        var withPhone = !withEmail || random.Next(2) == 0;
        var campaign = Pick(campaigns);
        var source = Pick(sources);
        return new CaptureLeadRequest
        {
            Name = random.Next(6) == 0 ? person.Name.ToUpperInvariant() : person.Name,
            Email = withEmail ? email : null,
            Phone = withPhone ? phone : null,
            ExternalId = person.ExternalId,
            Source = source,
            Channel = channel,
            Campaign = campaign,
            Utm = channel == Channel.Ads ? new UtmTags { Source = source.Split('-')[0], Medium = "cpc", Campaign = campaign } : null,
            Interest = Pick(Interests),
            Region = random.Next(5) == 0 ? "AT" : "DE",
            Budget = new Money { Amount = (random.Next(20, 400) * 50).ToString(CultureInfo.InvariantCulture) + ".00", Currency = "EUR" },
            DecisionDate = DateOnly.FromDateTime(_now.UtcDateTime).AddDays(random.Next(7, 120)),
            PagesVisited = random.Next(0, 12),
            LastInteractionAt = _now.AddMinutes(-random.Next(5, 30 * 24 * 60)),
        };
    }

    private async Task<List<Captured>> CaptureAsync(List<CaptureLeadRequest> leads)
    {
        var captured = new List<Captured>();
        foreach (var batch in leads.Chunk(50))
        {
            var answer = Ok(await api.CaptureLeadBatchAsync(new BatchCaptureRequest { Items = batch }, Guid.NewGuid().ToString()), "capture batch");
            for (var i = 0; i < batch.Length; i++)
            {
                var result = answer?.Results.FirstOrDefault(r => r.Index == i);
                if (result is null || result.Status >= 400)
                {
                    Fail("capture");
                }

                captured.Add(new Captured(result?.Status < 400 ? result.Id : null, batch[i], result?.Status == 200));
                Step("capture");
            }
        }

        return captured;
    }

    /// <summary>Behavioural signals over the month: page views, downloads, mail opens, carts, by the person's e-mail or phone.</summary>
    private async Task SignalsAsync(List<Captured> captured)
    {
        var signals = new List<SignalRequest>();
        foreach (var lead in captured.Where(c => c.Id is not null && random.Next(10) < 6))
        {
            for (var n = random.Next(1, 5); n > 0; n--)
            {
                signals.Add(new SignalRequest
                {
                    Id = $"demo-{Guid.NewGuid():N}",
                    Type = Pick(SignalTypes),
                    At = _now.AddMinutes(-random.Next(1, 30 * 24 * 60)),
                    LeadId = lead.Id,
                });
            }
        }

        foreach (var batch in signals.Chunk(500))
        {
            var answer = Ok(await api.RecordSignalsAsync(new RecordSignalsRequest { Items = batch }), "signals");
            foreach (var result in answer?.Results ?? [])
            {
                if (result.Status >= 400)
                {
                    Fail("signal");
                }
            }
        }

        _done += captured.Count;
        Progress("signals");
    }

    /// <summary>
    /// Works leads through the pipeline's exit criteria (a call logged, interest, budget and decision date known, a quote
    /// sent) to the proposal stage, then wins most (a customer, with orders) and loses the rest with a reason.
    /// </summary>
    private async Task<(List<(string Lead, int Orders)> Won, int Lost)> CloseAsync(List<Captured> leads, List<RepResponse> reps)
    {
        var won = new List<(string, int)>();
        var lost = 0;
        foreach (var lead in leads)
        {
            var id = lead.Id!;
            if (random.Next(5) == 0)
            {
                // Lost early: never reached.
                lost += Ok(await api.LoseLeadAsync(id, new LoseLeadRequest { Reason = Pick(LostReasons), Note = "demo" }), "lose") is null ? 0 : 1;
                _done += 5;
                Progress("won and lost");
                continue;
            }

            var rep = reps.Count > 0 ? reps[random.Next(reps.Count)].Id : null;
            await LogCallAsync(id, rep, "outbound", "answered");
            await Check(api.LogLeadActivityAsync(id, new LogActivityRequest { Type = "call", Note = "first call" }, Guid.NewGuid().ToString()), "activity");
            var moved = true;
            foreach (var stage in new[] { "contacted", "qualified", "proposal" })
            {
                moved = moved && Ok(await api.MoveLeadStageAsync(id, new MoveStageRequest { Stage = stage }), $"move to {stage}") is not null;
                if (stage == "qualified" && moved)
                {
                    await Check(api.LogLeadActivityAsync(id, new LogActivityRequest { Type = "quote-sent", Note = "quote" }, Guid.NewGuid().ToString()), "activity");
                }
            }

            _done += 4;
            if (moved && random.Next(10) < 6)
            {
                var value = random.Next(20, 400) * 50;
                var answer = Ok(await api.WinLeadAsync(id, new WinLeadRequest { Value = new Money { Amount = $"{value}.00", Currency = "EUR" } }), "win");
                var orders = answer?.ContactId is { } contact ? await OrdersAsync(contact, value) : 0;
                if (answer is not null)
                {
                    won.Add((id, orders));
                }
            }
            else
            {
                lost += Ok(await api.LoseLeadAsync(id, new LoseLeadRequest { Reason = Pick(LostReasons), Note = "demo" }), "lose") is null ? 0 : 1;
            }

            Step("won and lost");
        }

        return (won, lost);
    }

    private async Task<int> OrdersAsync(string contactId, int value)
    {
        var orders = 0;
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var amount = n == 1 ? value : random.Next(2, 60) * 10;
            var placed = Ok(await api.PlaceOrderAsync(contactId, new PlaceOrderRequest
            {
                Reference = $"demo-{Guid.NewGuid():N}"[..20],
                Amount = new Money { Amount = $"{amount}.00", Currency = "EUR" },
                Channel = random.Next(3) == 0 ? "store" : "web",
                PlacedAt = _now.AddMinutes(-random.Next(1, 30 * 24 * 60)),
            }), "order");
            orders += placed is null ? 0 : 1;
        }

        return orders;
    }

    private async Task<int> CallsAsync(List<Captured> leads, List<RepResponse> reps)
    {
        var calls = 0;
        foreach (var lead in leads)
        {
            var rep = reps.Count > 0 ? reps[random.Next(reps.Count)].Id : null;
            calls += await LogCallAsync(lead.Id!, rep, random.Next(4) == 0 ? "inbound" : "outbound", Pick(CallOutcomes)) ? 1 : 0;
            Step("calls");
        }

        return calls;
    }

    /// <summary>A call the telephony system reports: on the lead's contact, with the provider's id of the call.</summary>
    private async Task<bool> LogCallAsync(string leadId, string? repId, string direction, string outcome)
    {
        if (Ok(await api.GetLeadAsync(leadId), "read lead")?.ContactId is not { } contactId)
        {
            return false;
        }

        var answer = await api.LogCallAsync(new LogCallRequest
        {
            ContactId = contactId,
            LeadId = leadId,
            RepId = repId,
            Direction = direction,
            Outcome = outcome,
            DurationSeconds = outcome == "answered" ? random.Next(30, 900) : 0,
            StartedAt = _now.AddMinutes(-random.Next(10, 30 * 24 * 60)),
            ProviderCallId = $"demo-{Guid.NewGuid():N}",
        }, Guid.NewGuid().ToString());
        return Ok(answer, "call") is not null;
    }

    private T? Ok<T>(IApiResponse<T> response, string step)
        where T : class
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new InvalidOperationException($"{step}: {(int?)response.StatusCode} — the key needs every admin scope (use the key of ./crm up)");
        }

        if (response.IsSuccessStatusCode)
        {
            return response.Content;
        }

        Fail($"{step} ({(int?)response.StatusCode})");
        return null;
    }

    private async Task Check<T>(Task<IApiResponse<T>> call, string step)
        where T : class => Ok(await call, step);

    private void Fail(string step) => _failures[step] = _failures.GetValueOrDefault(step) + 1;

    private void Step(string what)
    {
        _done++;
        Progress(what);
    }

    private void Progress(string what)
    {
        var share = _total == 0 ? 1 : Math.Min(1, (double)_done / _total);
        var bar = (int)(share * 40);
        Console.Error.Write($"\r[{new string('#', bar)}{new string('.', 40 - bar)}] {share * 100,3:0}%  {what,-14}");
    }

    private string Pick(string[] items) => items[random.Next(items.Length)];

    private (Channel Channel, string[] Sources, string[] Campaigns) PickChannel()
    {
        var roll = random.Next(Channels.Sum(c => c.Weight));
        foreach (var (channel, weight, sources, campaigns) in Channels)
        {
            if ((roll -= weight) < 0)
            {
                return (channel, sources, campaigns);
            }
        }

        return (Channel.Web, Channels[0].Sources, Channels[0].Campaigns);
    }

    private sealed record Person(string Key, string Name, string Email, string Phone, string? ExternalId);

    private sealed record Captured(string? Id, CaptureLeadRequest Request, bool Repeat);
}
