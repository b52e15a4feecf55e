namespace Crm.Contacts.Identity;

public enum IdentityKind
{
    Email,
    Phone,
    /// <summary>An id another system gives the person (<c>shop</c> → <c>C-123</c>).</summary>
    External,
}

/// <summary>
/// One normalised way to recognise a person: an e-mail, an E.164 phone, or an external id (<see cref="Scheme"/> is its
/// kind, e.g. <c>shop</c>, and <see cref="Value"/> the id in that system). Unique across all contacts.
/// </summary>
public readonly record struct ContactIdentity(IdentityKind Kind, string Value, string? Scheme = null)
{
    /// <summary><c>email</c>, <c>phone</c> or <c>external</c>, as stored.</summary>
    public string KindName => KindToName(Kind);

    /// <summary>
    /// <c>email:a@b.c</c>, <c>phone:+49301234567</c> or <c>external:shop:C-123</c>: the identity's unique key (the id of
    /// its <c>contact_identities</c> document).
    /// </summary>
    public string Key => Kind == IdentityKind.External ? $"{KindName}:{Scheme}:{Value}" : $"{KindName}:{Value}";

    public static ContactIdentity Email(string value) => new(IdentityKind.Email, value);

    public static ContactIdentity Phone(string value) => new(IdentityKind.Phone, value);

    public static ContactIdentity External(string kind, string value) => new(IdentityKind.External, value, kind);

    public static string KindToName(IdentityKind kind) => kind switch
    {
        IdentityKind.Email => "email",
        IdentityKind.Phone => "phone",
        IdentityKind.External => "external",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown identity kind."),
    };

    public static IdentityKind KindFromName(string name) => name switch
    {
        "email" => IdentityKind.Email,
        "phone" => IdentityKind.Phone,
        "external" => IdentityKind.External,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown identity kind."),
    };
}
