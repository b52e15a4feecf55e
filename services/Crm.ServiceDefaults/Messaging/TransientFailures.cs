using System.Data.Common;
using System.Net.Sockets;
using Grpc.Core;
using MongoDB.Driver;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>
/// A dependency (another service, the SMTP server, a provider's API) did not answer or asked to be called again
/// later: a condition that clears by itself, so the message is parked and redelivered rather than dead-lettered.
/// Services wrap their clients' failures in it where the client's own exception says nothing general.
/// </summary>
public class DependencyUnavailableException : Exception
{
    public DependencyUnavailableException()
    {
    }

    public DependencyUnavailableException(string message)
        : base(message)
    {
    }

    public DependencyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Which failures of a consumed message are worth waiting for. Transient: a dependency down or slow (gRPC
/// unavailable, deadline exceeded, a socket or I/O error, a timeout, <see cref="DependencyUnavailableException"/>),
/// the store busy or failing over (a transient <see cref="DbException"/>, MongoDB's connection, primary and
/// transient-transaction errors), a concurrency conflict — these are parked and redelivered for the retry window.
/// Anything else is a message this code cannot apply (a body it cannot read, a bug, a value it refuses): retrying
/// it for an hour only hides it, so it goes to the dead letters after the immediate retries, with its reason, for an
/// operator to replay once fixed. The exception and every inner exception are looked at.
/// </summary>
public static class TransientFailures
{
    private static readonly HashSet<StatusCode> TransientStatuses =
    [
        StatusCode.Unavailable,
        StatusCode.DeadlineExceeded,
        StatusCode.ResourceExhausted,
        StatusCode.Aborted,
        StatusCode.Cancelled,
    ];

    public static bool IsTransient(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is InvalidMessageException)
            {
                return false;
            }

            if (IsTransientItself(current))
            {
                return true;
            }

            if (current is AggregateException aggregate && aggregate.InnerExceptions.Count > 1)
            {
                return aggregate.InnerExceptions.All(IsTransient);
            }
        }

        return false;
    }

    private static bool IsTransientItself(Exception exception) => exception switch
    {
        DependencyUnavailableException => true,
        Storage.ConcurrencyException => true,
        RpcException rpc => TransientStatuses.Contains(rpc.StatusCode),
        TimeoutException or OperationCanceledException => true,
        SocketException or IOException or HttpRequestException => true,
        DbException db => db.IsTransient || IsSqliteUnavailable(db),
        MongoConnectionException or MongoNotPrimaryException or MongoNodeIsRecoveringException or MongoExecutionTimeoutException => true,
        MongoException mongo => mongo.HasErrorLabel("TransientTransactionError") || mongo.HasErrorLabel("RetryableWriteError"),
        _ => false,
    };

    /// <summary>SQLite busy, locked, I/O error, full or cannot open: the file's trouble, not the message's.</summary>
    private static bool IsSqliteUnavailable(DbException exception) =>
        exception is Microsoft.Data.Sqlite.SqliteException sqlite && (sqlite.SqliteErrorCode & 0xff) is 5 or 6 or 10 or 13 or 14;
}
