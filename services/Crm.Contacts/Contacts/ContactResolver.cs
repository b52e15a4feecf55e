using Crm.Contacts.Identity;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>
/// Runs a find-or-create, and once more when it lost a race: two concurrent resolves of the same new person both
/// try to insert the identity, the unique key lets one win, the other's second run finds the winner's contact.
/// </summary>
public sealed class ContactResolver(IContactStore store, ILogger<ContactResolver> logger)
{
    public async Task<ResolveOutcome> ResolveAsync(ResolveCommand command, CancellationToken cancellationToken = default)
    {
        try
        {
            return await store.ResolveAsync(command, cancellationToken);
        }
        catch (Exception ex) when (ex is IdentityConflictException or ConcurrencyException)
        {
            logger.LogInformation("A concurrent resolve changed the same identities ({Reason}); resolving once more.", ex.Message);
            return await store.ResolveAsync(command, cancellationToken);
        }
    }
}
