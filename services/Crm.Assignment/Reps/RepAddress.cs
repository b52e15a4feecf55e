using Crm.ServiceDefaults.Http;

namespace Crm.Assignment.Reps;

/// <summary>
/// A rep's work addresses as the reps API takes them: an e-mail address (trimmed, lower-case, one '@', a domain with a
/// dot and no empty labels, no spaces or control characters, at most 254 characters) and a phone in E.164 (<c>+</c>, then
/// 8 to 15 digits, the first not 0). Null: not given; empty: remove it (a patch). Bad values are added to the errors
/// under the request's field names.
/// </summary>
public static class RepAddress
{
    public const int EmailMaxLength = 254;

    public static string? Email(string? value, ValidationErrors errors)
    {
        if (value is null)
        {
            return null;
        }

        var email = value.Trim();
        if (email.Length == 0)
        {
            return email;
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        var domain = at < 0 ? string.Empty : email[(at + 1)..];
        if (email.Length > EmailMaxLength)
        {
            errors.Add("email", $"At most {EmailMaxLength} characters.");
        }
        else if (email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || at <= 0 || at != email.LastIndexOf('@')
                 || !domain.Contains('.', StringComparison.Ordinal) || domain.StartsWith('.') || domain.EndsWith('.')
                 || domain.Contains("..", StringComparison.Ordinal))
        {
            errors.Add("email", "An e-mail address such as rita.rep@example.com (an empty string removes it).");
        }

        return email.ToLowerInvariant();
    }

    public static string? Phone(string? value, ValidationErrors errors)
    {
        if (value is null)
        {
            return null;
        }

        var phone = value.Trim();
        if (phone.Length == 0)
        {
            return phone;
        }

        if (phone.Length is < 9 or > 16 || phone[0] != '+' || phone[1] == '0' || !phone.Skip(1).All(char.IsAsciiDigit))
        {
            errors.Add("phone", "A phone number in E.164: '+', the country code and the number, 8 to 15 digits (an empty string removes it).");
        }

        return phone;
    }
}
