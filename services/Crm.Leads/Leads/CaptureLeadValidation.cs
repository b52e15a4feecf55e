using System.Globalization;
using Crm.Contracts.Api.Leads;
using Crm.ServiceDefaults.Http;

namespace Crm.Leads.Leads;

/// <summary>The checks a capture passes before Contacts is asked anything (Contacts checks the identities after: both sets of errors are answered together); field names as the request spells them.</summary>
public static class CaptureLeadValidation
{
    public const int MaxName = 200;
    public const int MaxEmail = 254;
    public const int MaxExternalId = 100;
    public const int MaxPhone = 50;
    public const int MaxSource = 100;
    public const int MaxPages = 10_000;
    public const int MaxFields = 50;
    public const int MaxFieldKey = 100;
    public const int MaxFieldValue = 1000;
    public const int MaxRegion = 50;
    public const int MaxUtm = 200;

    /// <summary>How far ahead of this service's clock a reported <c>capturedAt</c> may be (the sender's clock skew).</summary>
    public static readonly TimeSpan CapturedAtSkew = TimeSpan.FromMinutes(5);

    /// <param name="request">The capture as sent.</param>
    /// <param name="now">This service's clock (a reported <c>capturedAt</c> is checked against it).</param>
    /// <param name="maxCapturedAtAge">How old a reported <c>capturedAt</c> may be (<see cref="LeadsOptions.MaxCapturedAtAge"/>).</param>
    public static ValidationErrors Validate(CaptureLeadRequest request, DateTimeOffset now, TimeSpan maxCapturedAtAge)
    {
        var errors = new ValidationErrors();
        var email = Trimmed(request.Email);
        var phone = Trimmed(request.Phone);
        if (email is null && phone is null)
        {
            errors.Add("email", "An e-mail or a phone is required.");
            errors.Add("phone", "An e-mail or a phone is required.");
        }

        if (email is not null && !LooksLikeEmail(email))
        {
            errors.Add("email", "The e-mail address is not valid.");
        }

        if (phone is not null && phone.Length > MaxPhone)
        {
            errors.Add("phone", Max(MaxPhone));
        }

        if (request.Name is { } name && name.Trim().Length > MaxName)
        {
            errors.Add("name", Max(MaxName));
        }

        var source = Trimmed(request.Source);
        if (source is null)
        {
            errors.Add("source", "The source is required.");
        }
        else if (source.Length > MaxSource)
        {
            errors.Add("source", Max(MaxSource));
        }

        MaxLength(request.Campaign, "campaign", MaxSource, errors);
        MaxLength(request.Interest, "interest", MaxSource, errors);
        MaxLength(request.Region, "region", MaxRegion, errors);
        MaxLength(request.ReferredBy, "referredBy", MaxSource, errors);
        MaxLength(request.ExternalId, "externalId", MaxExternalId, errors);
        if (request.Utm is { } utm)
        {
            MaxLength(utm.Source, "utm.source", MaxUtm, errors);
            MaxLength(utm.Medium, "utm.medium", MaxUtm, errors);
            MaxLength(utm.Campaign, "utm.campaign", MaxUtm, errors);
            MaxLength(utm.Term, "utm.term", MaxUtm, errors);
            MaxLength(utm.Content, "utm.content", MaxUtm, errors);
        }

        if (request.Budget is { } budget && MoneyValues.Problem(budget) is { } problem)
        {
            errors.Add("budget", problem);
        }

        if (request.Pipeline is { } pipeline && !Identifiers.IsKebab(pipeline))
        {
            errors.Add("pipeline", "A pipeline id is lower-case kebab, 1 to 40 characters.");
        }

        if (request.PagesVisited is < 0 or > MaxPages)
        {
            errors.Add("pagesVisited", string.Create(CultureInfo.InvariantCulture, $"Must be between 0 and {MaxPages}."));
        }

        if (CapturedAtProblem(request.CapturedAt, now, maxCapturedAtAge) is { } late)
        {
            errors.Add("capturedAt", late);
        }

        ValidateFields(request.Fields, errors);
        return errors;
    }

    /// <summary>
    /// What is wrong with a reported capture time, or null: at most <see cref="CapturedAtSkew"/> after
    /// <paramref name="now"/>, and at most <paramref name="maxAge"/> before it (both bounds inclusive); absent is fine (now).
    /// </summary>
    public static string? CapturedAtProblem(DateTimeOffset? capturedAt, DateTimeOffset now, TimeSpan maxAge)
    {
        if (capturedAt is not { } at)
        {
            return null;
        }

        if (at > now + CapturedAtSkew)
        {
            return "Not more than 5 minutes in the future.";
        }

        return at < now - maxAge
            ? string.Create(CultureInfo.InvariantCulture, $"Not older than {maxAge.TotalDays:0.##} days (Leads:MaxCapturedAtAge).")
            : null;
    }

    /// <summary>A basic shape check (Contacts normalises and has the last word): one @, a local part, a dotted domain, no spaces.</summary>
    public static bool LooksLikeEmail(string value)
    {
        if (value.Length > MaxEmail || value.Any(char.IsWhiteSpace) || value.Any(char.IsControl))
        {
            return false;
        }

        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at > 64 || at != value.LastIndexOf('@') || at == value.Length - 1)
        {
            return false;
        }

        var domain = value[(at + 1)..];
        return domain.Contains('.', StringComparison.Ordinal)
            && !domain.StartsWith('.')
            && !domain.EndsWith('.')
            && !domain.Contains("..", StringComparison.Ordinal);
    }

    private static void MaxLength(string? value, string field, int max, ValidationErrors errors)
    {
        if (value is not null && value.Trim().Length > max)
        {
            errors.Add(field, Max(max));
        }
    }

    public static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static void ValidateFields(IReadOnlyDictionary<string, string>? fields, ValidationErrors errors)
    {
        if (fields is null)
        {
            return;
        }

        if (fields.Count > MaxFields)
        {
            errors.Add("fields", string.Create(CultureInfo.InvariantCulture, $"At most {MaxFields} fields."));
        }

        foreach (var (key, value) in fields)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > MaxFieldKey)
            {
                errors.Add("fields", string.Create(CultureInfo.InvariantCulture, $"Field names must be 1 to {MaxFieldKey} characters."));
            }
            else if (value is null)
            {
                errors.Add($"fields.{key}", "The value must be a string, not null.");
            }
            else if (value.Length > MaxFieldValue)
            {
                errors.Add($"fields.{key}", Max(MaxFieldValue));
            }
        }
    }

    private static string Max(int length) => string.Create(CultureInfo.InvariantCulture, $"At most {length} characters.");
}
