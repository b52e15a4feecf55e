using System.Net;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Testing;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Dashboard.Tests;

/// <summary>
/// The managers' dashboard in a real browser: Debian's headless Chromium (<c>/usr/bin/chromium</c>, never a browser
/// Playwright downloads) driven by Microsoft.Playwright, against the whole platform as real processes (<see cref="Platform"/>:
/// RabbitMQ, the five services, the gateway). The page is loaded from the gateway, signs in with the platform's API key,
/// shows the numbers the API returns, and follows a lead captured through the API live (server-sent events); a
/// screenshot of a laptop and of a phone viewport is saved and its path printed.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DashboardBrowserTests(Platform platform, ITestOutputHelper output)
{
    public const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_dashboard_signs_in_shows_the_apis_numbers_and_follows_a_captured_lead_live()
    {
        var before = (await SummaryAsync()).Totals.LeadsCaptured;
        await CaptureAsync("Dora Dashboard", "dora.dashboard@example.com", Channel.Web);
        await CaptureAsync("Piet Phone", "+49 30 5550101", Channel.Phone);
        await PollSummaryAsync(s => s.Totals.LeadsCaptured >= before + 2, "the two leads in the summary");

        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var errors = WatchErrors(page);
        // What each KPI endpoint answered the page (the page's own query: period, granularity, group-by).
        var kpiAnswers = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        page.Response += (_, response) =>
        {
            var path = new Uri(response.Url).AbsolutePath;
            if (path.StartsWith("/api/analytics/kpis/", StringComparison.Ordinal))
            {
                kpiAnswers[Uri.UnescapeDataString(path["/api/analytics/kpis/".Length..])] = response.Status;
            }
        };
        await page.GotoAsync(new Uri(platform.Gateway, "/dashboard/").ToString());

        // Signed out at first: the form asks for the credential once; it is kept in this tab only.
        await page.Locator("#sign-in").WaitForAsync(new LocatorWaitForOptions { Timeout = Ms(Deadline) });
        await page.FillAsync("#credential", Platform.ApiKey);
        await page.ClickAsync("#sign-in button[type=submit]");
        await page.Locator("body[data-state=ready]").WaitForAsync(new LocatorWaitForOptions { Timeout = Ms(Deadline) });
        Assert.Equal(Platform.ApiKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('crm.dashboard.credential')"));
        Assert.DoesNotContain(Platform.ApiKey, page.Url, StringComparison.Ordinal);

        // The tiles show what the API answers for the same period.
        var summary = await SummaryAsync();
        await PollAsync(async () => await TileAsync(page, "leadsCaptured") == summary.Totals.LeadsCaptured.ToString(System.Globalization.CultureInfo.InvariantCulture), "the captured tile to show the API's total");
        Assert.Equal(summary.Totals.LeadsAssigned.ToString(System.Globalization.CultureInfo.InvariantCulture), await TileAsync(page, "leadsAssigned"));
        Assert.Equal(summary.Totals.MessagesSent.ToString(System.Globalization.CultureInfo.InvariantCulture), await TileAsync(page, "messagesSent"));
        Assert.Equal(summary.Totals.LeadsBySource.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First().Key, await TileAsync(page, "topSource"));
        // The chart has one stacked series per channel the API counted.
        var series = await page.EvaluateAsync<string[]>("() => Chart.getChart('channel-chart').data.datasets.map(d => d.label)");
        Assert.Equal(summary.Totals.LeadsByChannel.Keys.Order(StringComparer.Ordinal), series.Order(StringComparer.Ordinal));

        // Each KPI widget follows its endpoint: hidden behind a note while the endpoint answers 404, drawn when it answers.
        var kpis = await page.Locator("[data-kpi]").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.kpi)");
        Assert.NotEmpty(kpis);
        foreach (var kpi in kpis)
        {
            var status = await Poll.ForAsync(() => Task.FromResult(kpiAnswers.TryGetValue(kpi, out var s) ? (int?)s : null), $"the page to ask for the {kpi} KPI", Deadline);
            var expected = status == 404 ? "unavailable" : status == 200 ? "ready" : "error";
            await PollAsync(async () => await page.GetAttributeAsync($"[data-kpi='{kpi}']", "data-state") == expected, $"the {kpi} widget to be {expected} ({status} from the API)");
            // Also as the API answers any caller (with the page's credential, default query).
            Assert.Equal(status == 404, await KpiStatusAsync(kpi) == HttpStatusCode.NotFound);
        }

        // Live: the stream is on; a lead captured now moves the live tile by one, and the period's tile follows.
        await page.Locator("#live-status[data-live=on]").WaitForAsync(new LocatorWaitForOptions { Timeout = Ms(Deadline) });
        // The tile shows what the API's live stream says (leads reported as captured earlier, like the demo's month,
        // are counted in their own minute, not in this hour).
        LiveLeadRate earlier = null!;
        await PollAsync(async () =>
        {
            earlier = await LiveRateAsync();
            return await TileAsync(page, "liveLastHour") == Text(earlier.LastHour);
        }, "the live tile to show the API's leads of the last hour");
        var captured = int.Parse(await TileAsync(page, "leadsCaptured"), System.Globalization.CultureInfo.InvariantCulture);
        await CaptureAsync("Lena Live", "lena.live@example.com", Channel.Ads);
        // One more than before, less the minutes that have left the window since.
        var inWindow = 0;
        await PollAsync(async () =>
        {
            var now = await LiveRateAsync();
            inWindow = earlier.Minutes.Where(m => m.Minute >= now.Minutes[0].Minute).Sum(m => m.Count) + 1;
            return now.LastHour == inWindow && await TileAsync(page, "liveLastHour") == Text(inWindow);
        }, "the live tile to count the new lead");
        await PollAsync(async () => await TileAsync(page, "leadsCaptured") == (captured + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "the period's tile to count the new lead");
        Assert.Equal((await SummaryAsync()).Totals.LeadsCaptured.ToString(System.Globalization.CultureInfo.InvariantCulture), await TileAsync(page, "leadsCaptured"));

        var laptop = ScreenshotPath("dashboard-laptop.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = laptop, FullPage = true });

        // A phone: one column, nothing wider than the screen.
        await page.SetViewportSizeAsync(390, 844);
        await PollAsync(async () => await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page to fit a phone's width");
        var phone = ScreenshotPath("dashboard-phone.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = phone, FullPage = true });
        Report($"[dashboard] screenshots: {laptop} {phone}");

        // Signing out forgets the credential.
        await page.ClickAsync("#sign-out");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('crm.dashboard.credential')"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_wrong_credential_is_refused_and_the_form_says_so()
    {
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(platform.Gateway, "/dashboard/").ToString());

        await page.FillAsync("#credential", "not-a-key-of-this-platform");
        await page.ClickAsync("#sign-in button[type=submit]");

        await page.Locator("body[data-state=signed-out] #sign-in-error:not([hidden])").WaitForAsync(new LocatorWaitForOptions { Timeout = Ms(Deadline) });
        Assert.Contains("refused", await page.TextContentAsync("#sign-in-error"), StringComparison.Ordinal);
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('crm.dashboard.credential')"));
    }

    private static float Ms(TimeSpan span) => (float)span.TotalMilliseconds;

    internal static async Task<BrowserSession> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y --no-install-recommends chromium fonts-liberation (.ci/run and ./crm test install it)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return new BrowserSession(playwright, browser);
    }

    /// <summary>Console errors and failed requests of the page (a missing file, a refused script, a CSP violation).</summary>
    private static List<string> WatchErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            // The browser logs every 4xx answer as "Failed to load resource" (a KPI endpoint's 404 is expected): the
            // page's own files are checked by their responses below instead.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                errors.Add(message.Text);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/dashboard/", StringComparison.Ordinal) && response.Status != 200)
            {
                errors.Add($"{response.Url}: {response.Status}");
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        page.RequestFailed += (_, request) =>
        {
            // The live stream is aborted by design when the page signs out.
            if (!request.Url.EndsWith("/api/analytics/live", StringComparison.Ordinal))
            {
                errors.Add($"{request.Url}: {request.Failure}");
            }
        };
        return errors;
    }

    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The first reading of the API's live stream (as any caller with the page's credential gets it).</summary>
    private async Task<LiveLeadRate> LiveRateAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await platform.Api.StreamAnalyticsLiveAsync(deadline.Token);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(stream).EnumerateAsync(deadline.Token))
        {
            return System.Text.Json.JsonSerializer.Deserialize<LiveLeadRate>(item.Data, Web)!;
        }

        throw new InvalidOperationException("the live stream ended before its first reading");
    }

    private static async Task<string> TileAsync(IPage page, string tile) =>
        (await page.TextContentAsync($"[data-tile='{tile}'] .value"))?.Trim() ?? string.Empty;

    private async Task CaptureAsync(string name, string emailOrPhone, Channel channel)
    {
        var request = emailOrPhone.Contains('@', StringComparison.Ordinal)
            ? new CaptureLeadRequest { Name = name, Email = emailOrPhone, Source = "dashboard-test", Channel = channel }
            : new CaptureLeadRequest { Name = name, Phone = emailOrPhone, Source = "dashboard-test", Channel = channel };
        var response = await platform.Api.CaptureLeadAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, $"capture answered {(int)response.StatusCode}: {response.Error?.Message}");
    }

    /// <summary>The summary of the page's default period (the last 30 UTC days up to today), as the page asks for it.</summary>
    private async Task<SummaryResponse> SummaryAsync()
    {
        var to = DateTime.UtcNow.Date;
        var response = await platform.Api.GetAnalyticsSummaryAsync(to.AddDays(-29).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), to.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(response.IsSuccessStatusCode, $"summary answered {(int)response.StatusCode}");
        return response.Content!;
    }

    private async Task PollSummaryAsync(Func<SummaryResponse, bool> condition, string what) =>
        await PollAsync(async () => condition(await SummaryAsync()), what);

    private async Task<HttpStatusCode> KpiStatusAsync(string kpi)
    {
        using var http = new HttpClient { BaseAddress = platform.Gateway };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Platform.ApiKey);
        var to = DateTime.UtcNow.Date;
        using var response = await http.GetAsync(new Uri($"/api/analytics/kpis/{kpi}?from={to.AddDays(-29):yyyy-MM-dd}&to={to:yyyy-MM-dd}", UriKind.Relative));
        return response.StatusCode;
    }

    private async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        try
        {
            await Poll.UntilAsync(condition, what, Deadline);
        }
        catch (TimeoutException)
        {
            Report(platform.Diagnostics());
            throw;
        }
    }

    private static string ScreenshotPath(string name)
    {
        var folder = Environment.GetEnvironmentVariable("CRM_SCREENSHOTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    internal sealed class BrowserSession(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public Task<IPage> NewPageAsync(BrowserNewPageOptions? options = null) => browser.NewPageAsync(options);

        public async ValueTask DisposeAsync()
        {
            await browser.CloseAsync();
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
