using System.Diagnostics;
using System.Globalization;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Rebuild;

/// <summary>
/// <c>dotnet Crm.Analytics.dll rebuild [--batch 2000]</c>: the service's store (the same <c>Storage:*</c> settings as the
/// service) rebuilt from its event log (<see cref="ReadModelRebuild"/>), with progress and events/s on the console.
/// The service must be stopped (<c>./crm analytics-rebuild</c> stops and restarts it).
/// </summary>
public static class RebuildCommand
{
    public const string Verb = "rebuild";

    public static async Task<int> RunAsync(string[] args)
    {
        var batch = ReadModelRebuild.DefaultBatchSize;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--batch" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0)
            {
                batch = size;
                i++;
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        var builder = WebApplication.CreateBuilder(rest.ToArray());
        builder.AddCrmStorage(AnalyticsService.Name, [.. ReadModelRebuild.Collections]);
        await using var app = builder.Build();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        Console.WriteLine($"Rebuilding Analytics' read models from event_log ({store.Provider}, batches of {batch:N0}).");
        var last = Stopwatch.StartNew();
        var result = await new ReadModelRebuild(store).RunAsync(batch, progress =>
        {
            if (last.Elapsed >= TimeSpan.FromSeconds(1))
            {
                Console.WriteLine($"  {progress}");
                last.Restart();
            }
        });
        Console.WriteLine($"Done in {result.Elapsed.TotalSeconds:N1} s: {result}.");
        Console.WriteLine("Read models: " + string.Join(", ", result.Sizes.Select(s => $"{s.Key} {s.Value:N0}")));
        return 0;
    }
}
