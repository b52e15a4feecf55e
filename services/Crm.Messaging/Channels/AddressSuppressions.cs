using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Channels;

/// <summary>
/// An e-mail address that hard-bounced (document <c>suppressed_addresses</c>, id = the address in lower case, read by
/// id only): no e-mail goes to it (the message is <c>suppressed</c> with reason <c>bounced-address</c>) until the contact
/// writes to us by e-mail after the bounce (<see cref="ContactChannel.LastInboundAt"/>, written by conversations) or
/// an administrator clears it (<c>DELETE /api/messaging/suppressions/{address}</c>).
/// </summary>
public sealed record SuppressedAddress : IDocument
{
    /// <summary>The address, trimmed and lower-case (<see cref="AddressSuppression.Key"/>).</summary>
    public required string Id { get; init; }
    /// <summary>Always <c>bounced-address</c> today.</summary>
    public required string Reason { get; init; }
    /// <summary>When the (latest) hard bounce was reported.</summary>
    public required DateTimeOffset BouncedAt { get; init; }
    /// <summary>The message that bounced, when the report named one or one was found for the address.</summary>
    public string? MessageId { get; init; }
    public long Version { get; init; } = 1;
}

public static class AddressSuppressionCollections
{
    public static readonly DocumentCollection<SuppressedAddress> SuppressedAddresses = new("suppressed_addresses");
}

/// <summary>The bounced-address rule: the rule itself is pure (<see cref="Holds(SuppressedAddress?, DateTimeOffset?)"/>); the rest reads and writes it.</summary>
public static class AddressSuppression
{
    public const string BouncedAddress = "bounced-address";

    /// <summary>How an address is keyed: trimmed, lower-case (e-mail addresses are compared case-insensitively in practice).</summary>
    public static string Key(string address) => address.Trim().ToLowerInvariant();

    /// <summary>Whether a suppression still holds: there is one, and the contact wrote no e-mail to us since it (a newer inbound lifts it).</summary>
    public static bool Holds(SuppressedAddress? suppression, DateTimeOffset? lastInboundEmailAt) =>
        suppression is not null && (lastInboundEmailAt is not { } inbound || inbound <= suppression.BouncedAt);

    /// <summary>Whether an e-mail to <paramref name="address"/> of <paramref name="contactId"/> must not go (two reads by id).</summary>
    public static async Task<bool> HoldsAsync(UnitOfWork unit, string contactId, string address, CancellationToken cancellationToken)
    {
        var suppression = await unit.GetAsync(AddressSuppressionCollections.SuppressedAddresses, Key(address), cancellationToken);
        if (suppression is null)
        {
            return false;
        }

        var channels = await unit.GetAsync(ContactChannelCollections.ContactChannels, contactId, cancellationToken);
        return Holds(suppression, channels?.LastInboundAt.TryGetValue("email", out var at) == true ? at : null);
    }

    /// <summary>Records (or renews) the suppression of <paramref name="address"/> after a hard bounce, in <paramref name="unit"/>.</summary>
    public static void Suppress(UnitOfWork unit, string address, string? messageId)
    {
        var seed = new SuppressedAddress { Id = Key(address), Reason = BouncedAddress, BouncedAt = unit.Now, MessageId = messageId, Version = 0 };
        unit.Upsert(
            AddressSuppressionCollections.SuppressedAddresses,
            seed,
            new Update<SuppressedAddress>().Set(s => s.BouncedAt, unit.Now).Set(s => s.MessageId, messageId).Set(s => s.Reason, BouncedAddress).Inc(s => s.Version, 1));
    }

    /// <summary><c>DELETE /api/messaging/suppressions/{address}</c>.</summary>
    public static RouteGroupBuilder MapSuppressionEndpoints(this RouteGroupBuilder group)
    {
        group.MapDelete("/suppressions/{address}", ClearAsync)
            .RequireAccess(Access.Admin)
            .WithName("ClearEmailSuppression")
            .WithSummary("Clear a bounced e-mail address")
            .WithDescription("An address that hard-bounced (an e-mail bounce report with `kind: hard`) gets no e-mail (messages `suppressed`, reason " +
                "`bounced-address`) until the contact writes to us by e-mail after the bounce, or this clears it (e.g. the mailbox was fixed). The address " +
                "is compared case-insensitively. 204; 404 when the address is not suppressed. Needs `messaging:admin`.")
            .WithParameterDescription("address", "The e-mail address (URL-encoded).")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> ClearAsync(string address, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var key = Key(Uri.UnescapeDataString(address));
        if (key.Length is 0 or > 320 || await unit.GetAsync(AddressSuppressionCollections.SuppressedAddresses, key, cancellationToken) is null)
        {
            throw new ProblemException(StatusCodes.Status404NotFound, "Address not suppressed.", "That address is not suppressed.");
        }

        unit.Delete(AddressSuppressionCollections.SuppressedAddresses, Filter<SuppressedAddress>.Eq(s => s.Id, key));
        return Results.NoContent();
    }
}
