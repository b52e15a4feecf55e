using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Hosting;

/// <summary>
/// Fault injection for the fault suite: named points in the platform's own code where the process, once armed,
/// SIGKILLs itself — exactly there, not wherever an outside <c>kill -9</c> happens to land. Armed only through the
/// management port (<c>POST /admin/faults/crash</c>) of a process started with <c>Faults:Enabled=true</c> (never set by
/// the charts or compose; the process logs a warning when it is). Unarmed, a point costs one volatile read.
/// </summary>
public static class CrashPoints
{
    /// <summary>A consumer ran (its e-mail handed over, its claim computed), its unit of work not committed yet.</summary>
    public const string ConsumeBeforeCommit = "consume-before-commit";

    /// <summary>The broker confirmed a batch of outbox records, which are not deleted yet: they are published again.</summary>
    public const string OutboxAfterPublish = "outbox-after-publish";

    public static readonly IReadOnlyList<string> All = [ConsumeBeforeCommit, OutboxAfterPublish];

    public const string EnabledSetting = "Faults:Enabled";

    private static Armed? _armed;

    /// <summary>The process passes <paramref name="point"/>: when it is armed there, the <c>after</c>-th pass kills it.</summary>
    public static void Reached(string point)
    {
        var armed = Volatile.Read(ref _armed);
        if (armed is null || !string.Equals(armed.Point, point, StringComparison.Ordinal) || Interlocked.Decrement(ref armed.Remaining) != 0)
        {
            return;
        }

        Console.Error.WriteLine($"crash point {point} reached ({armed.After}. time): the process kills itself (SIGKILL)");
        Console.Error.Flush();
        Process.GetCurrentProcess().Kill();
        Environment.FailFast($"crash point {point}");
    }

    /// <summary>Maps <c>/admin/faults</c> on the management port when <see cref="EnabledSetting"/> is true.</summary>
    public static void MapCrashPoints(this WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>(EnabledSetting))
        {
            return;
        }

        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CrashPoints).FullName!)
            .LogWarning("Fault injection is enabled ({Setting}): POST /admin/faults/crash on the management port makes this process kill itself", EnabledSetting);
        var faults = app.MapGroup("/admin/faults");
        faults.MapGet("/", () => Results.Ok(State()));
        faults.MapPost("/crash", (CrashRequest request) =>
        {
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (request.Point is null || !All.Contains(request.Point))
            {
                errors["point"] = [$"One of: {string.Join(", ", All)}."];
            }

            if (request.After is < 1)
            {
                errors["after"] = ["At least 1."];
            }

            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "The crash point is not valid.");
            }

            Volatile.Write(ref _armed, new Armed(request.Point!, request.After ?? 1));
            return Results.Accepted(value: State());
        });
        faults.MapDelete("/crash", () =>
        {
            Volatile.Write(ref _armed, null);
            return Results.NoContent();
        });
    }

    private static CrashState State() => Volatile.Read(ref _armed) is { } armed
        ? new CrashState(All, armed.Point, armed.After, Math.Max(0, Volatile.Read(ref armed.Remaining)))
        : new CrashState(All, null, 0, 0);

    /// <summary>The points there are, the one armed (null: none), after how many passes, and how many are left.</summary>
    public sealed record CrashState(IReadOnlyList<string> Points, string? Armed, int After, int Remaining);

    /// <summary><c>POST /admin/faults/crash</c>: kill the process the <see cref="After"/>-th time it reaches <see cref="Point"/> (default 1).</summary>
    public sealed record CrashRequest(string? Point, int? After);

    private sealed class Armed(string point, int after)
    {
        public string Point { get; } = point;

        public int After { get; } = after;

        public int Remaining = after;
    }
}
