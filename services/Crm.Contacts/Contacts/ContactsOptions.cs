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

    /// <summary>
    /// When the erasure's sweep runs again over what events write about the contact (a write that raced the tombstone);
    /// longer than a consumer's unit of work can take (the store's commit timeout is 10 s).
    /// </summary>
    public TimeSpan ErasureSweepDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The services that must confirm an erasure (<c>ContactDataErased.Service</c>).</summary>
    public string[] ErasureServices { get; set; } = ["contacts", "leads", "assignment", "messaging", "analytics"];

    /// <summary>The largest CSV file <c>POST /api/contacts/imports</c> accepts (the gateway's limit for that route must allow it too).</summary>
    public long ImportMaxBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Rows an import commits per unit of work (one identity lookup, one transaction).</summary>
    public int ImportBatchSize { get; set; } = 1000;

    /// <summary>How long a replica holds an import it processes without committing a batch; after that another replica (or a restart) resumes it.</summary>
    public TimeSpan ImportLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the other services have to answer a GDPR export (all asked at once); one that does not makes it a 503.</summary>
    public TimeSpan ExportDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The services asked for their part of an export: those of <see cref="ErasureServices"/> but Contacts (read in-process).</summary>
    public IReadOnlyList<string> ExportServices => [.. ErasureServices.Where(s => s != ContactsService.Name).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// How long a sender's hold (gRPC <c>BeginSend</c>) lasts: a forbidding consent change waits at most this long for
    /// sends in flight; a sender cancels its hand-off before it ends.
    /// </summary>
    public TimeSpan SendHoldLease { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (SendHoldLease <= TimeSpan.Zero || SendHoldLease > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException("Contacts:SendHoldLease must be positive and at most 5 minutes (a withdrawal waits for it).");
        }

        if (ImportMaxBytes <= 0 || ImportBatchSize is < 1 or > 10_000 || ImportLease <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Contacts:ImportMaxBytes and Contacts:ImportLease must be positive, Contacts:ImportBatchSize 1 to 10000.");
        }

        if (ExportDeadline <= TimeSpan.Zero || ExportDeadline > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException("Contacts:ExportDeadline must be positive and at most a minute (the export is answered synchronously).");
        }

        if (ErasureDeadline <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Contacts:ErasureDeadline must be positive.");
        }

        if (ErasureSweepDelay <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Contacts:ErasureSweepDelay must be positive.");
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
