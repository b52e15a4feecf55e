using Crm.Contacts.Grpc;
using Crm.ServiceDefaults.Messaging;
using Grpc.Core;

namespace Crm.Messaging.Conversations;

/// <summary>Finds or creates the contact who wrote (Contacts' <c>ResolveContact</c>, as a capture in Leads does).</summary>
public interface IContactResolver
{
    /// <summary>
    /// The contact id of the sender of an inbound message, by e-mail or phone (E.164), created when Contacts knows
    /// nobody with it. Null when Contacts refuses the address (INVALID_ARGUMENT: nobody can be resolved from it);
    /// <see cref="DependencyUnavailableException"/> when Contacts does not answer.
    /// </summary>
    Task<string?> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IContactResolver"/> over Contacts' gRPC <c>ResolveContact</c> (waits for a reconnecting channel up to <see cref="Contacts.GrpcContactDirectory.Deadline"/>).</summary>
public sealed class GrpcContactResolver(ContactDirectory.ContactDirectoryClient client, TimeProvider time) : IContactResolver
{
    public async Task<string?> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await client.ResolveContactAsync(
                new ResolveContactRequest { Name = name ?? "", Email = email ?? "", Phone = phone ?? "" },
                new CallOptions(deadline: (time.GetUtcNow() + Contacts.GrpcContactDirectory.Deadline).UtcDateTime, cancellationToken: cancellationToken).WithWaitForReady());
            return string.IsNullOrEmpty(reply.Contact?.ContactId)
                ? throw new DependencyUnavailableException("Contacts answered without a contact.")
                : reply.Contact.ContactId;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            return null;
        }
        catch (RpcException ex) when (!(ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested))
        {
            throw new DependencyUnavailableException($"Contacts answered {ex.StatusCode}.", ex);
        }
    }
}
