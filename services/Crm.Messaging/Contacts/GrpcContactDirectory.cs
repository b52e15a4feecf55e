using Crm.Contacts.Grpc;
using Crm.ServiceDefaults.Messaging;
using Grpc.Core;

namespace Crm.Messaging.Contacts;

/// <summary>
/// <see cref="IContactDirectory"/> over Contacts' gRPC <c>ContactDirectory</c> service (h2c, <c>Services:Contacts:Grpc</c>).
/// Calls wait for the channel to be ready (<c>WaitForReady</c>) up to their <see cref="Deadline"/>: a Contacts that is
/// reconnecting or restarting is waited for instead of failing the message at once; a Contacts down for longer
/// fails the call with DEADLINE_EXCEEDED (transient: the message is parked, and the endpoint pauses when it keeps
/// happening).
/// </summary>
public sealed class GrpcContactDirectory(ContactDirectory.ContactDirectoryClient client, TimeProvider time) : IContactDirectory, IContactResolver
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public async Task<ContactCard?> GetContactAsync(string contactId, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await client.GetContactAsync(
                new GetContactRequest { ContactId = contactId },
                new CallOptions(deadline: (time.GetUtcNow() + Deadline).UtcDateTime, cancellationToken: cancellationToken).WithWaitForReady());
            return ToCard(reply);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The most ids one <c>GetContacts</c> call takes (Contacts' limit).</summary>
    public const int MaxBatch = 1000;

    public async Task<IReadOnlyDictionary<string, ContactCard>> GetContactsAsync(IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, ContactCard>(StringComparer.Ordinal);
        foreach (var chunk in contactIds.Distinct(StringComparer.Ordinal).Chunk(MaxBatch))
        {
            var request = new GetContactsRequest();
            request.ContactIds.AddRange(chunk);
            var reply = await client.GetContactsAsync(
                request,
                new CallOptions(deadline: (time.GetUtcNow() + Deadline).UtcDateTime, cancellationToken: cancellationToken).WithWaitForReady());
            foreach (var contact in reply.Contacts)
            {
                found[contact.ContactId] = ToCard(contact);
            }
        }

        return found;
    }

    public async Task<ContactResolution> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await client.ResolveContactAsync(
                new ResolveContactRequest { Name = name ?? "", Email = email ?? "", Phone = phone ?? "" },
                new CallOptions(deadline: (time.GetUtcNow() + Deadline).UtcDateTime, cancellationToken: cancellationToken).WithWaitForReady());
            return string.IsNullOrEmpty(reply.Contact?.ContactId)
                ? throw new DependencyUnavailableException("Contacts answered without a contact.")
                : new ContactResolution(reply.Contact.ContactId, Blank(reply.NormalizedPhone), null);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            return new ContactResolution(null, null, ex.Status.Detail);
        }
        catch (RpcException ex) when (!(ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested))
        {
            throw new DependencyUnavailableException($"Contacts answered {ex.StatusCode}.", ex);
        }
    }

    /// <summary>The reply as Messaging needs it: blank e-mails dropped, the consent per channel (a channel not listed is unknown).</summary>
    internal static ContactCard ToCard(ContactReply reply) =>
        new(
            reply.ContactId,
            string.IsNullOrWhiteSpace(reply.Name) ? null : reply.Name,
            reply.Emails.Where(e => !string.IsNullOrWhiteSpace(e)).ToList())
        {
            DoNotContact = reply.DoNotContact,
            Phones = reply.Phones.Where(p => !string.IsNullOrWhiteSpace(p)).ToList(),
            Locale = Blank(reply.Locale),
            TimeZone = Blank(reply.TimeZone),
            Country = Blank(reply.Country),
            Birthday = DateOnly.TryParseExact(reply.Birthday, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var birthday) ? birthday : null,
            Consents = reply.Consents
                .Where(c => !string.IsNullOrWhiteSpace(c.Channel))
                .GroupBy(c => c.Channel, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Last().Status, StringComparer.Ordinal),
        };

    private static string? Blank(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
