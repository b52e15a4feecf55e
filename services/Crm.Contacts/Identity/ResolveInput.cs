using System.Diagnostics.CodeAnalysis;

namespace Crm.Contacts.Identity;

/// <summary>A rejected resolve request: the field at fault and why. <see cref="Detail"/> is <c>field: reason</c>.</summary>
public sealed record IdentityError(string Field, string Reason)
{
    public string Detail => $"{Field}: {Reason}";
}

/// <summary>
/// The identities of a request checked one by one: each good one normalised (lower-case e-mail, E.164 phone; null
/// when blank or bad) and an <see cref="IdentityError"/> for each bad one.
/// </summary>
public sealed record IdentityCheck(string? Email, string? Phone, IReadOnlyList<IdentityError> Errors);

/// <summary>A validated find-or-create request: a trimmed name and the normalised identities (at least one).</summary>
public sealed record ResolveCommand
{
    public string? Name { get; init; }
    /// <summary>Lower-case e-mail.</summary>
    public string? Email { get; init; }
    /// <summary>E.164 phone.</summary>
    public string? Phone { get; init; }
    /// <summary>Ids other systems give the person (<see cref="IdentityKind.External"/>, normalised); an import may name them.</summary>
    public IReadOnlyList<ContactIdentity> ExternalIds { get; init; } = [];

    public IReadOnlyList<ContactIdentity> Identities
    {
        get
        {
            var identities = new List<ContactIdentity>(2 + ExternalIds.Count);
            if (Email is not null)
            {
                identities.Add(ContactIdentity.Email(Email));
            }

            if (Phone is not null)
            {
                identities.Add(ContactIdentity.Phone(Phone));
            }

            identities.AddRange(ExternalIds);

            return identities;
        }
    }
}

/// <summary>
/// Turns the raw fields of a resolve request into a <see cref="ResolveCommand"/> or the first error
/// (<see cref="TryParse"/>), or checks the identities alone and reports every error (<see cref="CheckIdentities"/>).
/// Both normalise through <see cref="CheckIdentities"/>, so a check and a resolve never disagree.
/// </summary>
public static class ResolveInput
{
    public const int MaxNameLength = 200;

    /// <param name="region">The request's default region; blank means <paramref name="defaultRegion"/> (configuration).</param>
    public static bool TryParse(
        string? name,
        string? email,
        string? phone,
        string? region,
        string defaultRegion,
        [NotNullWhen(true)] out ResolveCommand? command,
        [NotNullWhen(false)] out IdentityError? error)
    {
        command = null;
        var trimmedName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (string.IsNullOrWhiteSpace(email) && string.IsNullOrWhiteSpace(phone))
        {
            error = new IdentityError("email", "an e-mail or a phone is required");
            return false;
        }

        var check = CheckIdentities(email, phone, region, defaultRegion);
        if (check.Errors.Count > 0)
        {
            error = check.Errors[0];
            return false;
        }

        if (trimmedName is { Length: > MaxNameLength })
        {
            error = new IdentityError("name", $"must be at most {MaxNameLength} characters");
            return false;
        }

        error = null;
        command = new ResolveCommand { Name = trimmedName, Email = check.Email, Phone = check.Phone };
        return true;
    }

    /// <summary>
    /// Normalises the e-mail and the phone each on its own and reports every one that is bad (e-mail first). A blank
    /// field is not checked (whether one of them is required is the caller's rule); nothing is stored or looked up.
    /// </summary>
    /// <param name="region">The request's default region; blank means <paramref name="defaultRegion"/> (configuration).</param>
    public static IdentityCheck CheckIdentities(string? email, string? phone, string? region, string defaultRegion)
    {
        var errors = new List<IdentityError>(2);

        string? normalizedEmail = null;
        if (!string.IsNullOrWhiteSpace(email))
        {
            var result = EmailNormalizer.Normalize(email);
            if (result.IsValid)
            {
                normalizedEmail = result.Value;
            }
            else
            {
                errors.Add(new IdentityError("email", result.Error));
            }
        }

        string? normalizedPhone = null;
        if (!string.IsNullOrWhiteSpace(phone))
        {
            var result = PhoneNormalizer.Normalize(phone, string.IsNullOrWhiteSpace(region) ? defaultRegion : region);
            if (result.IsValid)
            {
                normalizedPhone = result.Value;
            }
            else
            {
                errors.Add(new IdentityError("phone", result.Error));
            }
        }

        return new IdentityCheck(normalizedEmail, normalizedPhone, errors);
    }
}
