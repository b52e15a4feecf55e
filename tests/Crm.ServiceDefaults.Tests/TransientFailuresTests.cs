using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>Which failures park a message for redelivery (transient) and which make it a dead letter at once.</summary>
public sealed class TransientFailuresTests
{
    public static TheoryData<Exception> Transient() =>
    [
        new RpcException(new Status(StatusCode.Unavailable, "down")),
        new RpcException(new Status(StatusCode.DeadlineExceeded, "slow")),
        new TimeoutException(),
        new TaskCanceledException(),
        new IOException("reset"),
        new System.Net.Sockets.SocketException(111),
        new HttpRequestException("refused"),
        new ConcurrencyException("raced"),
        new SqliteException("database is locked", 5),
        new DependencyUnavailableException("SMTP 421"),
        new InvalidOperationException("wrapped", new RpcException(new Status(StatusCode.Unavailable, "down"))),
    ];

    public static TheoryData<Exception> NotTransient() =>
    [
        new InvalidOperationException("a bug"),
        new ArgumentException("a value the handler refuses"),
        new FormatException("bad value"),
        new RpcException(new Status(StatusCode.NotFound, "no such contact")),
        new RpcException(new Status(StatusCode.InvalidArgument, "phone: not a number")),
        new SqliteException("constraint failed", 19),
        new InvalidMessageException("no ids", new TimeoutException()),
        new AggregateException(new TimeoutException(), new InvalidOperationException("a bug")),
    ];

    [Theory]
    [MemberData(nameof(Transient))]
    public void A_dependency_down_or_slow_or_a_busy_store_is_transient(Exception error) =>
        Assert.True(TransientFailures.IsTransient(error), error.ToString());

    [Theory]
    [MemberData(nameof(NotTransient))]
    public void A_bug_a_refused_value_or_an_invalid_message_is_not(Exception error) =>
        Assert.False(TransientFailures.IsTransient(error), error.ToString());
}
