using Crm.Contacts.Grpc;
using Grpc.Core;

namespace Crm.Leads.Contacts;

/// <summary>
/// <see cref="IContactDirectory"/> over Contacts' gRPC <c>ResolveContact</c>. Calls fail fast when the channel is
/// not connected (no <c>WaitForReady</c>): a capture then stores its lead as pending at once instead of holding the
/// web form, and the pending-contact timers have their own schedule (all brought forward when Contacts answers again: <see cref="ContactsOutage"/>). INVALID_ARGUMENT carries
/// <c>Status.Detail = "phone: &lt;reason&gt;"</c> (and a <c>field</c> trailer); any other failure means Contacts is unavailable.
/// </summary>
public sealed class GrpcContactDirectory(
    ContactDirectory.ContactDirectoryClient client,
    ContactDirectoryOptions options,
    ContactsOutage outage,
    ILogger<GrpcContactDirectory> logger) : IContactDirectory
{
    public async Task<ResolvedContact> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default)
    {
        var request = new ResolveContactRequest { Name = name ?? "", Email = email ?? "", Phone = phone ?? "" };
        try
        {
            var reply = await client.ResolveContactAsync(request, deadline: DateTime.UtcNow + options.Timeout, cancellationToken: cancellationToken);
            if (reply.Contact is null || string.IsNullOrEmpty(reply.Contact.ContactId))
            {
                outage.Seen();
                throw new ContactsUnavailableException("Contacts answered without a contact.");
            }

            return new ResolvedContact(
                reply.Contact.ContactId,
                string.IsNullOrEmpty(reply.NormalizedEmail) ? null : reply.NormalizedEmail,
                string.IsNullOrEmpty(reply.NormalizedPhone) ? null : reply.NormalizedPhone,
                reply.Created);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            var (field, reason) = InvalidArgument(ex);
            throw new ContactIdentityException(field, reason, ex);
        }
        catch (RpcException ex) when (!(ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested))
        {
            outage.Seen();
            logger.LogWarning(ex, "Contacts could not resolve a contact: {Status}", ex.StatusCode);
            throw new ContactsUnavailableException($"Contacts answered {ex.StatusCode}.", ex);
        }
    }

    public async Task<IReadOnlyList<IdentityProblem>> CheckAsync(string? email, string? phone, CancellationToken cancellationToken = default)
    {
        var request = new CheckIdentitiesRequest { Email = email ?? "", Phone = phone ?? "" };
        try
        {
            var reply = await client.CheckIdentitiesAsync(request, deadline: DateTime.UtcNow + options.Timeout, cancellationToken: cancellationToken);
            return [.. reply.Errors.Select(e => new IdentityProblem(e.Field, e.Reason))];
        }
        catch (RpcException ex) when (!(ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested))
        {
            outage.Seen();
            logger.LogWarning(ex, "Contacts could not check identities: {Status}", ex.StatusCode);
            throw new ContactsUnavailableException($"Contacts answered {ex.StatusCode}.", ex);
        }
    }

    /// <summary>"phone: not a number" gives (phone, not a number); the <c>field</c> trailer wins for the field when present.</summary>
    public static (string Field, string Reason) InvalidArgument(RpcException exception)
    {
        var detail = exception.Status.Detail ?? "";
        var trailer = exception.Trailers.GetValue("field");
        var colon = detail.IndexOf(':', StringComparison.Ordinal);
        var prefix = colon > 0 ? detail[..colon].Trim() : null;
        var field = !string.IsNullOrWhiteSpace(trailer) ? trailer.Trim()
            : prefix is { Length: > 0 } && prefix.All(char.IsAsciiLetterOrDigit) ? prefix
            : "$";
        var reason = colon > 0 && string.Equals(prefix, field, StringComparison.Ordinal) ? detail[(colon + 1)..].Trim() : detail.Trim();
        return (field, reason.Length > 0 ? reason : "The value is not valid.");
    }
}

/// <summary>Config section <c>Services:Contacts</c>: <c>Grpc</c> (address, h2c) and <c>Timeout</c> (deadline of a call).</summary>
public sealed class ContactDirectoryOptions
{
    public const string Section = "Services:Contacts";

    public string? Grpc { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
