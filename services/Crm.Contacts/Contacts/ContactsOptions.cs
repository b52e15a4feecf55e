using Crm.Contacts.Identity;

namespace Crm.Contacts.Contacts;

/// <summary>Config section <c>Contacts</c>.</summary>
public sealed class ContactsOptions
{
    public const string Section = "Contacts";

    /// <summary>Region (ISO 3166 alpha-2) for phone numbers written without a country code. A request's <c>default_region</c> wins.</summary>
    public string DefaultRegion { get; set; } = "DE";

    public void Validate()
    {
        if (!PhoneNormalizer.IsSupportedRegion(DefaultRegion))
        {
            throw new InvalidOperationException($"Contacts:DefaultRegion '{DefaultRegion}' is not a region code libphonenumber knows (e.g. DE, AT, US).");
        }
    }
}
