using System.Diagnostics.CodeAnalysis;

namespace Crm.Contacts.Identity;

/// <summary>A rejected resolve request: the field at fault and why. <see cref="Detail"/> is <c>field: reason</c>.</summary>
public sealed record IdentityError(string Field, string Reason)
{
    public string Detail => $"{Field}: {Reason}";
}

/// <summary>A validated find-or-create request: a trimmed name and the normalised identities (at least one).</summary>
public sealed record ResolveCommand
{
    public string? Name { get; init; }
    /// <summary>Lower-case e-mail.</summary>
    public string? Email { get; init; }
    /// <summary>E.164 phone.</summary>
    public string? Phone { get; init; }

    public IReadOnlyList<ContactIdentity> Identities
    {
        get
        {
            var identities = new List<ContactIdentity>(2);
            if (Email is not null)
            {
                identities.Add(ContactIdentity.Email(Email));
            }

            if (Phone is not null)
            {
                identities.Add(ContactIdentity.Phone(Phone));
            }

            return identities;
        }
    }
}

/// <summary>Turns the raw fields of a resolve request into a <see cref="ResolveCommand"/> or the first error.</summary>
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
        var hasEmail = !string.IsNullOrWhiteSpace(email);
        var hasPhone = !string.IsNullOrWhiteSpace(phone);
        if (!hasEmail && !hasPhone)
        {
            error = new IdentityError("email", "an e-mail or a phone is required");
            return false;
        }

        string? normalizedEmail = null;
        if (hasEmail)
        {
            var result = EmailNormalizer.Normalize(email);
            if (!result.IsValid)
            {
                error = new IdentityError("email", result.Error);
                return false;
            }

            normalizedEmail = result.Value;
        }

        string? normalizedPhone = null;
        if (hasPhone)
        {
            var result = PhoneNormalizer.Normalize(phone, string.IsNullOrWhiteSpace(region) ? defaultRegion : region);
            if (!result.IsValid)
            {
                error = new IdentityError("phone", result.Error);
                return false;
            }

            normalizedPhone = result.Value;
        }

        if (trimmedName is { Length: > MaxNameLength })
        {
            error = new IdentityError("name", $"must be at most {MaxNameLength} characters");
            return false;
        }

        error = null;
        command = new ResolveCommand { Name = trimmedName, Email = normalizedEmail, Phone = normalizedPhone };
        return true;
    }
}
