using System.Globalization;
using System.Net;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Api.Messaging;
using Refit;

namespace Crm.Demo;

/// <summary>The month the demo writes, step by step through the public API; a progress bar on stderr, the outcome on stdout.</summary>
internal sealed class Demo(ICrmApi api, Random random, int leadCount, DemoConversations conversations)
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

    /// <summary>What a lead costs on a channel (EUR), for the month's spend per channel (the CAC KPI); organic channels cost nothing.</summary>
    private static readonly Dictionary<Channel, int> CostPerLead = new()
    {
        [Channel.Ads] = 38,
        [Channel.Web] = 9,
        [Channel.Email] = 4,
        [Channel.Sms] = 6,
        [Channel.Whatsapp] = 7,
        [Channel.Referral] = 25,
    };

    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private int _done;
    private int _total;

    public async Task<int> RunAsync()
    {
        var people = People();
        // When each form was sent: over the last 30 days, oldest first (a person's second capture comes after the first).
        var times = CaptureTimes.Spread(random, _now, people.Count);
        var leads = people.Select((person, i) => (person.Key, Request: Lead(person, times[i]))).ToList();
        var closing = (int)(leadCount * 0.3);
        var talks = conversations.Enabled ? DemoConversations.CountFor(leadCount) : 0;
        _total = 3 + leads.Count + leads.Count + closing * 5 + leadCount / 5 + talks;

        var reps = await EnsureRepsAsync();
        Console.Error.WriteLine($"{reps.Count} reps; capturing {leads.Count} leads of {people.Select(p => p.Key).Distinct().Count()} people over the last 30 days, then signals, calls, stage moves, won and lost, orders, spend" +
                                (conversations.Enabled ? ", conversations" : string.Empty));

        var captured = await CaptureAsync(leads);
        await SignalsAsync(captured);
        // Each lead once (a repeat capture answers with the open lead's id). The older a lead, the likelier it is closed by
        // now (not strictly the oldest first: some recent ones close fast, some old ones stay open).
        var distinct = captured.Where(c => c.Id is not null).DistinctBy(c => c.Id)
            .OrderByDescending(c => (_now - c.CapturedAt).TotalDays + (random.NextDouble() * 12)).ToList();
        var (won, lost) = await CloseAsync(distinct.Take(closing).ToList(), reps);
        var calls = await CallsAsync(distinct.Skip(closing).Take(leadCount / 5).ToList(), reps);
        var spend = await SpendAsync(captured);
        var talked = conversations.Enabled ? await ConversationsAsync(captured, talks) : null;
        Progress("done");
        Console.Error.WriteLine();

        var accepted = captured.Where(c => c.Id is not null).ToList();
        Console.WriteLine($"captured {accepted.Count} leads: {accepted.Count(c => !c.Repeat)} new, " +
                          $"{captured.Count(c => c.Repeat)} recorded on the open lead of a person seen before (spelt differently); " +
                          $"{won.Count} won with {won.Sum(w => w.Orders)} orders, {lost} lost, {calls} calls logged");
        if (accepted.Count > 0)
        {
            Console.WriteLine($"captures spread over {accepted.Select(c => c.CapturedAt.UtcDateTime.Date).Distinct().Count()} days " +
                              $"({accepted.Min(c => c.CapturedAt):yyyy-MM-dd} to {accepted.Max(c => c.CapturedAt):yyyy-MM-dd}, UTC); spend entered for {spend} channel-months");
        }

        Console.WriteLine(talked is { } t
            ? $"conversations: {t.Conversations} from inbound e-mails, {t.Replies} replies, {t.Resolved} resolved, {t.Rated} rated (CSAT average {t.Average.ToString("0.0", CultureInfo.InvariantCulture)})"
            : "conversations: skipped (no --email-inbound-secret: ./crm demo passes the one ./crm up gives Messaging)");
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

    private CaptureLeadRequest Lead((string Key, Person Person, bool Repeat) entry, DateTimeOffset capturedAt)
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
            // Browsing before the form: minutes to three days before it was sent.
            LastInteractionAt = capturedAt.AddMinutes(-random.Next(5, 3 * 24 * 60)),
            CapturedAt = capturedAt,
        };
    }

    private async Task<List<Captured>> CaptureAsync(List<(string Key, CaptureLeadRequest Request)> leads)
    {
        var captured = new List<Captured>();
        foreach (var batch in leads.Chunk(50))
        {
            var answer = Ok(await api.CaptureLeadBatchAsync(new BatchCaptureRequest { Items = [.. batch.Select(b => b.Request)] }, Guid.NewGuid().ToString()), "capture batch");
            for (var i = 0; i < batch.Length; i++)
            {
                var result = answer?.Results.FirstOrDefault(r => r.Index == i);
                if (result is null || result.Status >= 400)
                {
                    Fail("capture");
                }

                captured.Add(new Captured(result?.Status < 400 ? result.Id : null, batch[i].Key, batch[i].Request, result?.Status == 200));
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
                    At = After(lead.CapturedAt),
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
            await LogCallAsync(lead, rep, "outbound", "answered");
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
                var orders = answer?.ContactId is { } contact ? await OrdersAsync(contact, value, lead.CapturedAt) : 0;
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

    /// <summary>The won customer's orders, placed between the lead's capture and now.</summary>
    private async Task<int> OrdersAsync(string contactId, int value, DateTimeOffset capturedAt)
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
                PlacedAt = After(capturedAt),
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
            calls += await LogCallAsync(lead, rep, random.Next(4) == 0 ? "inbound" : "outbound", Pick(CallOutcomes)) ? 1 : 0;
            Step("calls");
        }

        return calls;
    }

    /// <summary>A call the telephony system reports: on the lead's contact, after its capture, with the provider's id of the call.</summary>
    private async Task<bool> LogCallAsync(Captured lead, string? repId, string direction, string outcome)
    {
        var leadId = lead.Id!;
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
            StartedAt = After(lead.CapturedAt),
            ProviderCallId = $"demo-{Guid.NewGuid():N}",
        }, Guid.NewGuid().ToString());
        return Ok(answer, "call") is not null;
    }

    /// <summary>
    /// The month's marketing spend per channel and calendar month (what the captures of that channel cost, give or take a
    /// fifth), so the CAC KPI has figures; organic channels (phone, unknown) cost nothing. A PUT: a second run replaces it.
    /// </summary>
    private async Task<int> SpendAsync(List<Captured> captured)
    {
        var entered = 0;
        var months = captured.Where(c => c.Id is not null && !c.Repeat && c.Request.Channel is { } channel && CostPerLead.ContainsKey(channel))
            .GroupBy(c => (Channel: c.Request.Channel!.Value, Month: c.CapturedAt.ToString("yyyy-MM", CultureInfo.InvariantCulture)));
        foreach (var month in months.OrderBy(m => m.Key.Month, StringComparer.Ordinal).ThenBy(m => m.Key.Channel))
        {
            var amount = (int)Math.Round(month.Count() * CostPerLead[month.Key.Channel] * (0.8 + (random.NextDouble() * 0.4)));
            var answer = Ok(await api.PutAnalyticsSpendAsync(new SpendRequest
            {
                Channel = month.Key.Channel.ToString().ToLowerInvariant(),
                Period = month.Key.Month,
                Amount = new Money { Amount = $"{amount}.00", Currency = "EUR" },
            }), "spend");
            entered += answer is null ? 0 : 1;
        }

        Progress("spend");
        return entered;
    }

    /// <summary>Conversations with people captured once with an e-mail (their contact is the one their e-mail finds).</summary>
    private async Task<ConversationTally> ConversationsAsync(List<Captured> captured, int count)
    {
        var once = captured.GroupBy(c => c.PersonKey).Where(g => g.Count() == 1).Select(g => g.Single())
            .Where(c => c.Id is not null && c.Request.Email is not null)
            .OrderBy(_ => random.Next()).Take(count)
            .Select(c => new DemoConversations.Person(c.Id!, c.Request.Email!.Trim().ToLowerInvariant()))
            .ToList();
        return await conversations.RunAsync(random, once, Fail, () => Step("conversations"));
    }

    /// <summary>A moment after <paramref name="from"/> and before now (a signal, a call, an order after the capture).</summary>
    private DateTimeOffset After(DateTimeOffset from)
    {
        var span = _now - CaptureTimes.Margin - from;
        return span <= TimeSpan.Zero ? from : from + TimeSpan.FromSeconds(Math.Floor(random.NextDouble() * span.TotalSeconds));
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

    private sealed record Captured(string? Id, string PersonKey, CaptureLeadRequest Request, bool Repeat)
    {
        /// <summary>When the person sent the form (the demo always reports it).</summary>
        public DateTimeOffset CapturedAt => Request.CapturedAt!.Value;
    }
}
