using System.Globalization;
using System.Net;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit;

namespace Crm.Dashboard.Tests;

/// <summary>
/// The KPI widgets against the KPI API's answer shape (<c>{ kpi, from, to, granularity, groupBy, watermark, columns, rows,
/// totals }</c>) before that API exists: the real gateway process in front of a loopback stand-in for Analytics that
/// answers the conversion and service KPIs and 404 for the others. The conversion widget draws its headline and table,
/// the service widget also the CSAT average and responses, the others hide behind their note.
/// </summary>
public sealed class DashboardKpiWidgetTests
{
    [Fact]
    public async Task A_kpi_that_answers_is_drawn_from_its_columns_rows_and_totals_and_one_that_404s_hides()
    {
        await using var analytics = await StandInAnalytics.StartAsync();
        using var data = new TempDirectory("crm-dashboard-gateway");
        var http = FreePort.Next();
        var management = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Ports__Bind"] = "127.0.0.1",
            ["Ports__Http"] = http.ToString(CultureInfo.InvariantCulture),
            ["Ports__Management"] = management.ToString(CultureInfo.InvariantCulture),
            ["Storage__Provider"] = "sqlite",
            ["Storage__DataDirectory"] = data.Path,
            ["Gateway__ApiKeys__0__Name"] = "dashboard-test",
            ["Gateway__ApiKeys__0__Key"] = Platform.ApiKey,
            ["Gateway__ApiKeys__0__Scopes__0"] = "analytics:read",
            ["Identity__SigningKeyPem"] = TestIdentity.SigningKeyPem,
            ["Identity__PublicKeyPem"] = TestIdentity.PublicKeyPem,
            ["ReverseProxy__Clusters__analytics__Destinations__primary__Address"] = analytics.Address.ToString(),
        };
        var bin = Path.Combine(RepositoryRoot(), "gateway", "Crm.Gateway", "bin", BuildConfiguration, "net10.0");
        await using var gateway = ProcessHost.Start("gateway", "dotnet", [Path.Combine(bin, "Crm.Gateway.dll")], environment, bin);
        using (var probe = new HttpClient())
        {
            await Poll.UntilAsync(async () => !gateway.HasExited && (await probe.GetAsync(new Uri($"http://127.0.0.1:{management}/health/live"))).IsSuccessStatusCode, "the gateway to start\n" + gateway.Output, TimeSpan.FromSeconds(60));
        }

        await using var session = await DashboardBrowserTests.LaunchAsync();
        var page = await session.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{http}/dashboard/");
        await page.FillAsync("#credential", Platform.ApiKey);
        await page.ClickAsync("#sign-in button[type=submit]");

        var conversion = page.Locator("[data-kpi='conversion'][data-state='ready']");
        await conversion.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.Equal("25 %", (await conversion.Locator("[data-kpi-total]").TextContentAsync())?.Trim());
        Assert.Equal(["period", "channel", "leads", "won", "rate"], await conversion.Locator("thead th").AllTextContentsAsync());
        var rows = await conversion.Locator("tbody tr").AllInnerTextsAsync();
        Assert.Equal(2, rows.Count);
        Assert.Contains("web", rows[0], StringComparison.Ordinal);
        Assert.Contains("ads", rows[1], StringComparison.Ordinal);
        Assert.Contains("30 s behind", await conversion.Locator(".fresh").TextContentAsync(), StringComparison.Ordinal);
        // The service widget: first-contact resolution as its headline, and the CSAT average and responses the answer totals.
        var service = page.Locator("[data-kpi='service'][data-state='ready']");
        await service.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.Equal("50 %", (await service.Locator("[data-kpi-total]").TextContentAsync())?.Trim());
        Assert.Equal("4.17 / 5", (await service.Locator("[data-kpi-figure='csatAverage'] dd").TextContentAsync())?.Trim());
        Assert.Equal("12", (await service.Locator("[data-kpi-figure='csatResponses'] dd").TextContentAsync())?.Trim());
        Assert.Equal(["CSAT average", "CSAT responses"], await service.Locator(".kpi-figures dt").AllTextContentsAsync());
        Assert.Equal(
            ["period", "group", "resolved", "firstContactResolved", "fcrRate", "csatResponses", "csatAverage", "csatSatisfiedRate", "csat:1", "csat:2", "csat:3", "csat:4", "csat:5"],
            await service.Locator("thead th").AllTextContentsAsync());
        Assert.Equal(
            ["total", "", "8", "4", "50 %", "12", "4.17 / 5", "75", "1", "0", "2", "1", "8"],
            await service.Locator("tfoot th").AllTextContentsAsync());
        await page.Locator("[data-kpi='funnel'][data-state='unavailable']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.Equal("Not available on this platform yet.", await page.Locator("[data-kpi='funnel'] .unavailable").TextContentAsync());
        // The stand-in saw the page's query and the gateway's identity, never the key.
        Assert.Contains(analytics.Seen, s => s.StartsWith("/api/analytics/kpis/conversion?from=", StringComparison.Ordinal) && s.Contains("groupBy=channel", StringComparison.Ordinal));
        Assert.DoesNotContain(analytics.Authorizations, a => a.Contains(Platform.ApiKey, StringComparison.Ordinal));
    }

    private static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Crm.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Crm.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Analytics as the page sees it: a summary, a live stream with one event, the conversion and service KPIs, 404 for other KPIs.</summary>
    private sealed class StandInAnalytics : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private StandInAnalytics(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public System.Collections.Concurrent.ConcurrentQueue<string> Seen { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<string> Authorizations { get; } = new();

        public static async Task<StandInAnalytics> StartAsync()
        {
            var port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var stand = new StandInAnalytics(app, new Uri($"http://127.0.0.1:{port}/"));
            app.Use(async (context, next) =>
            {
                stand.Seen.Enqueue(context.Request.Path + context.Request.QueryString);
                stand.Authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
                await next(context);
            });
            var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            app.MapGet("/api/analytics/summary", () => Results.Text(
                $$$"""{"from":"{{{today}}}","to":"{{{today}}}","totals":{"leadsCaptured":8,"leadsBySource":{"spring":8},"leadsByChannel":{"web":5,"ads":3},"scoredByGrade":{"hot":2},"leadsAssigned":8,"messagesSent":8},"days":[{"date":"{{{today}}}","counts":{"leadsCaptured":8,"leadsBySource":{"spring":8},"leadsByChannel":{"web":5,"ads":3},"scoredByGrade":{"hot":2},"leadsAssigned":8,"messagesSent":8}}]}""",
                "application/json"));
            app.MapGet("/api/analytics/live", async (HttpContext context) =>
            {
                context.Response.ContentType = "text/event-stream";
                var minute = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm':00Z'", CultureInfo.InvariantCulture);
                await context.Response.WriteAsync($$"""event: rate{{"\n"}}data: {"at":"{{minute}}","currentMinute":1,"lastMinute":0,"perSecond":0,"lastHour":1,"minutes":[{"minute":"{{minute}}","count":1}]}{{"\n\n"}}""", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            });
            app.MapGet("/api/analytics/kpis/conversion", () => Results.Text(
                $$$$"""{"kpi":"conversion","from":"{{{{today}}}}","to":"{{{{today}}}}","granularity":"day","groupBy":"channel","watermark":{"readModel":"conversion","appliedUpTo":"{{{{today}}}}T00:00:00Z","lagSeconds":30},"columns":["period","group","leads","won","rate"],"rows":[{"period":"{{{{today}}}}","group":"web","values":{"leads":5,"won":2,"rate":40.0}},{"period":"{{{{today}}}}","group":"ads","values":{"leads":3,"won":0,"rate":0.0}}],"totals":{"values":{"leads":8,"won":2,"rate":25.0}}}""",
                "application/json"));
            app.MapGet("/api/analytics/kpis/service", () => Results.Text(
                $$$$"""{"kpi":"service","from":"{{{{today}}}}","to":"{{{{today}}}}","granularity":"day","groupBy":null,"watermark":{"readModel":"counters","appliedUpTo":"{{{{today}}}}T00:00:00Z","lagSeconds":2},"columns":["period","group","resolved","firstContactResolved","fcrRate","csatResponses","csatAverage","csatSatisfiedRate","csat:1","csat:2","csat:3","csat:4","csat:5"],"rows":[{"period":"{{{{today}}}}","group":"all","values":{"resolved":8,"firstContactResolved":4,"fcrRate":50.0,"csatResponses":12,"csatAverage":4.17,"csatSatisfiedRate":75.0,"csat:1":1,"csat:2":0,"csat:3":2,"csat:4":1,"csat:5":8}}],"totals":{"values":{"resolved":8,"firstContactResolved":4,"fcrRate":50.0,"csatResponses":12,"csatAverage":4.17,"csatSatisfiedRate":75.0,"csat:1":1,"csat:2":0,"csat:3":2,"csat:4":1,"csat:5":8}}}""",
                "application/json"));
            app.MapGet("/api/analytics/kpis/{kpi}", () => Results.Problem(statusCode: 404, title: "No such KPI."));
            await app.StartAsync();
            return stand;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
