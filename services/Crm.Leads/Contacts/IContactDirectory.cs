namespace Crm.Leads.Contacts;

/// <summary>The question Leads asks Contacts while capturing: who is this? (find-or-create by e-mail / phone).</summary>
public interface IContactDirectory
{
    /// <summary>
    /// Resolves the contact. Throws <see cref="ContactIdentityException"/> when Contacts cannot normalise an
    /// identity, <see cref="ContactsUnavailableException"/> when Contacts cannot answer.
    /// </summary>
    Task<ResolvedContact> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every problem Contacts finds with these identities (as <c>ResolveAsync</c> would), without storing anything;
    /// empty when they are fine. Throws <see cref="ContactsUnavailableException"/> when Contacts cannot answer.
    /// </summary>
    Task<IReadOnlyList<IdentityProblem>> CheckAsync(string? email, string? phone, CancellationToken cancellationToken = default);
}

/// <summary>An identity Contacts cannot normalise: <see cref="Field"/> is <c>email</c> or <c>phone</c>.</summary>
public sealed record IdentityProblem(string Field, string Reason);

/// <summary>The contact and the identities as Contacts normalised them (null when not given).</summary>
public sealed record ResolvedContact(string ContactId, string? Email, string? Phone, bool Created);

/// <summary>Contacts rejected an identity: <see cref="Field"/> is <c>email</c> or <c>phone</c>.</summary>
public sealed class ContactIdentityException : Exception
{
    public ContactIdentityException()
        : this("$", "The identity is not valid.")
    {
    }

    public ContactIdentityException(string message)
        : this("$", message)
    {
    }

    public ContactIdentityException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "$";
        Reason = message;
    }

    public ContactIdentityException(string field, string reason, Exception? innerException = null)
        : base($"{field}: {reason}", innerException)
    {
        Field = field;
        Reason = reason;
    }

    public string Field { get; }

    public string Reason { get; }
}

/// <summary>Contacts did not answer (down, timed out, failing).</summary>
public sealed class ContactsUnavailableException : Crm.ServiceDefaults.Messaging.DependencyUnavailableException
{
    public ContactsUnavailableException()
    {
    }

    public ContactsUnavailableException(string message)
        : base(message)
    {
    }

    public ContactsUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
