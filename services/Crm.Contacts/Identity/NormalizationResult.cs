using System.Diagnostics.CodeAnalysis;

namespace Crm.Contacts.Identity;

/// <summary>The outcome of normalising one identity: the normalised value, or why the input is not one.</summary>
public sealed record NormalizationResult
{
    private NormalizationResult(string? value, string? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The normalised value (lower-case e-mail, E.164 phone) when valid.</summary>
    public string? Value { get; }

    /// <summary>Why the input was rejected, phrased to follow the field name (<c>phone: is too short</c>).</summary>
    public string? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid => Error is null;

    public static NormalizationResult Ok(string value) => new(value, null);

    public static NormalizationResult Invalid(string reason) => new(null, reason);
}
