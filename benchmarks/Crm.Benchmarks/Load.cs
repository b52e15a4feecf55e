using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Crm.Benchmarks;

/// <summary>
/// A closed loop of GETs on a fixed number of connections, each sending its next request when the last was answered.
/// Two generators: <c>wrk</c> (Debian's C load generator: about a tenth of the CPU per request of a .NET client, so the
/// processes under test keep most of the two cores and their CPU per request is not blurred by the generator's), or
/// this process' <see cref="HttpClient"/> (<c>--load dotnet</c>, or when wrk is not installed).
/// </summary>
public abstract partial class Load : IDisposable
{
    public abstract string Name { get; }

    /// <summary>Loads <paramref name="target"/> + <paramref name="path"/> for <paramref name="duration"/>: answers with 200, and anything else (other statuses, errors).</summary>
    public abstract Task<(long Requests, long Failures)> RunAsync(Uri target, string path, string bearer, TimeSpan duration);

    /// <summary><c>wrk</c>, <c>dotnet</c>, or <c>auto</c> (wrk when it is on the PATH).</summary>
    public static Load Choose(string which, int connections) => which switch
    {
        "wrk" => new WrkLoad(Wrk() ?? throw new ArgumentException("--load wrk: wrk is not installed (apt-get install -y wrk)"), connections),
        "dotnet" => new HttpClientLoad(connections),
        "auto" => Wrk() is { } wrk ? new WrkLoad(wrk, connections) : new HttpClientLoad(connections),
        _ => throw new ArgumentException($"--load must be wrk, dotnet or auto, not '{which}'"),
    };

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private static string? Wrk() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "wrk"))
            .FirstOrDefault(File.Exists);

    private sealed partial class WrkLoad(string wrk, int connections) : Load
    {
        public override string Name => "wrk";

        public override async Task<(long Requests, long Failures)> RunAsync(Uri target, string path, string bearer, TimeSpan duration)
        {
            var (exitCode, output, errors) = await Command.RunAsync(
                wrk,
                "-t", Math.Min(Environment.ProcessorCount, connections).ToString(CultureInfo.InvariantCulture),
                "-c", connections.ToString(CultureInfo.InvariantCulture),
                "-d", $"{Math.Max(1, (int)Math.Round(duration.TotalSeconds))}s",
                "-H", $"Authorization: Bearer {bearer}",
                new Uri(target, path).ToString());
            var total = Requests().Match(output);
            if (exitCode != 0 || !total.Success)
            {
                throw new InvalidOperationException($"wrk failed ({exitCode}): {output}{errors}");
            }

            var requests = long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture);
            var failures = Count(NotOk(), output) + SocketErrors().Matches(output).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            return (requests - Count(NotOk(), output), failures);
        }

        private static long Count(Regex pattern, string output) =>
            pattern.Match(output) is { Success: true } match ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

        [GeneratedRegex(@"(\d+) requests in ")]
        private static partial Regex Requests();

        [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
        private static partial Regex NotOk();

        [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
        private static partial Regex SocketErrors();
    }

    private sealed class HttpClientLoad(int connections) : Load
    {
        private readonly Dictionary<(Uri, string), HttpClient> _clients = [];

        public override string Name => ".NET HttpClient";

        public override async Task<(long Requests, long Failures)> RunAsync(Uri target, string path, string bearer, TimeSpan duration)
        {
            if (!_clients.TryGetValue((target, bearer), out var client))
            {
                client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { BaseAddress = target };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                _clients[(target, bearer)] = client;
            }

            var uri = new Uri(path, UriKind.Relative);
            long requests = 0, failures = 0;
            var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
            {
                while (Stopwatch.GetTimestamp() < until)
                {
                    using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseContentRead);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref requests);
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }));
            return (requests, failures);
        }

        protected override void Dispose(bool disposing)
        {
            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }

            _clients.Clear();
            base.Dispose(disposing);
        }
    }
}
