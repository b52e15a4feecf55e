using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Crm.Gateway.Tests;

/// <summary>One log line as a test sees it: category, level, the rendered message and the structured values.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values);

/// <summary>A logger provider that keeps every line written through it (register it as an <see cref="ILoggerProvider"/>).</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<CapturedLog> Lines { get; } = new();

    public IEnumerable<CapturedLog> Of(string category) => Lines.Where(l => l.Category == category);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal)
                : new Dictionary<string, object?>(StringComparer.Ordinal);
            capture.Lines.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), values));
        }
    }
}
