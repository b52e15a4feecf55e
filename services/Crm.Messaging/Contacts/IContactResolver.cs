namespace Crm.Messaging.Contacts;

/// <summary>What Contacts answered for a phone number: the contact (found or created), or the reason the number is not one.</summary>
public sealed record PhoneResolution(string? ContactId, string? NormalizedPhone, string? Problem);

/// <summary>Finds (or creates) the contact of a phone number in Contacts (gRPC <c>ResolveContact</c>): a call from a number logs against its person.</summary>
public interface IContactResolver
{
    /// <summary>The contact of <paramref name="phone"/> (any format); <see cref="PhoneResolution.Problem"/> when Contacts refuses the number.</summary>
    Task<PhoneResolution> ResolvePhoneAsync(string phone, CancellationToken cancellationToken = default);
}
