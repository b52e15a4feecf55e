namespace Crm.Messaging.Contacts;

/// <summary>What Contacts answered for an e-mail address or phone number: the contact (found or created), or why the identifiers are refused.</summary>
public sealed record ContactResolution(string? ContactId, string? NormalizedPhone, string? Problem);

/// <summary>
/// Finds (or creates) the contact of an e-mail address or phone number in Contacts (gRPC <c>ResolveContact</c>, as a
/// capture in Leads does): a call from a number logs against its person, an inbound message joins its sender's thread.
/// </summary>
public interface IContactResolver
{
    /// <summary>
    /// The contact of <paramref name="email"/> and/or <paramref name="phone"/> (any format), created when Contacts knows
    /// nobody with them; <see cref="ContactResolution.Problem"/> when Contacts refuses them (INVALID_ARGUMENT);
    /// <see cref="Crm.ServiceDefaults.Messaging.DependencyUnavailableException"/> when Contacts does not answer.
    /// </summary>
    Task<ContactResolution> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default);
}
