using Crm.Contacts.Identity;

namespace Crm.Contacts.Contacts;

/// <summary>Config section <c>Contacts</c>.</summary>
public sealed class ContactsOptions
{
    public const string Section = "Contacts";

    /// <summary>Region (ISO 3166 alpha-2) for phone numbers written without a country code. A request's <c>default_region</c> wins.</summary>
    public string DefaultRegion { get; set; } = "DE";

    /// <summary>How long every service has to confirm an erasure before its request is overdue.</summary>
    public TimeSpan ErasureDeadline { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The services that must confirm an erasure (<c>ContactDataErased.Service</c>).</summary>
    public string[] ErasureServices { get; set; } = ["contacts", "leads", "assignment", "messaging", "analytics"];

    /// <summary>How long the other services have to answer a GDPR export (all asked at once); one that does not makes it a 503.</summary>
    public TimeSpan ExportDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The services asked for their part of an export: those of <see cref="ErasureServices"/> but Contacts (read in-process).</summary>
    public IReadOnlyList<string> ExportServices => [.. ErasureServices.Where(s => s != ContactsService.Name).Distinct(StringComparer.Ordinal)];

    public void Validate()
    {
        if (ExportDeadline <= TimeSpan.Zero || ExportDeadline > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException("Contacts:ExportDeadline must be positive and at most a minute (the export is answered synchronously).");
        }

        if (ErasureDeadline <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Contacts:ErasureDeadline must be positive.");
        }

        if (ErasureServices.Length == 0 || Array.Exists(ErasureServices, string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException("Contacts:ErasureServices must name at least one service, none empty.");
        }

        if (!PhoneNormalizer.IsSupportedRegion(DefaultRegion))
        {
            throw new InvalidOperationException($"Contacts:DefaultRegion '{DefaultRegion}' is not a region code libphonenumber knows (e.g. DE, AT, US).");
        }
    }
}
