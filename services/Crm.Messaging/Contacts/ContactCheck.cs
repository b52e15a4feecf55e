using Grpc.Core;

namespace Crm.Messaging.Contacts;

/// <summary>
/// Whether Contacts knows a contact, asked at the API before a message or call is accepted. Only a clear "unknown"
/// counts: Contacts down, slow (past <see cref="Timeout"/>) or failing never refuses a request (issue 8: a dependency
/// that is down never bounces the caller); the send path then decides when Contacts answers.
/// </summary>
public static class ContactCheck
{
    /// <summary>How long the API waits for Contacts before accepting without an answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>True only when Contacts answered that it does not know <paramref name="contactId"/>.</summary>
    public static async Task<bool> IsUnknownAsync(IContactDirectory contacts, string contactId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            return await contacts.GetContactAsync(contactId, timeout.Token) is null;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException or Crm.ServiceDefaults.Messaging.DependencyUnavailableException
                                   && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The ids among <paramref name="contactIds"/> Contacts answered it does not know, in one call for a batch; empty when
    /// Contacts could not be asked (down, slow, failing: every item is accepted, as for one).
    /// </summary>
    public static async Task<IReadOnlySet<string>> UnknownAmongAsync(IContactDirectory contacts, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        if (contactIds.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var found = await contacts.GetContactsAsync(contactIds, timeout.Token);
            return contactIds.Where(id => !found.ContainsKey(id)).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException or Crm.ServiceDefaults.Messaging.DependencyUnavailableException
                                   && !cancellationToken.IsCancellationRequested)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>The 422 naming <paramref name="field"/>.</summary>
    public static IResult UnknownProblem(string field, string contactId) =>
        Results.ValidationProblem(
            new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [$"Contacts does not know contact '{contactId}'."] },
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: "Unknown contact.",
            detail: $"There is no contact '{contactId}': nothing was queued.");
}
