namespace Crm.Contacts.Identity;

public enum IdentityKind
{
    Email,
    Phone,
}

/// <summary>One normalised way to recognise a person (an e-mail or an E.164 phone). Unique across all contacts.</summary>
public readonly record struct ContactIdentity(IdentityKind Kind, string Value)
{
    /// <summary><c>email</c> or <c>phone</c>, as stored.</summary>
    public string KindName => KindToName(Kind);

    /// <summary><c>email:a@b.c</c> or <c>phone:+49301234567</c>: the identity's unique key.</summary>
    public string Key => $"{KindName}:{Value}";

    public static ContactIdentity Email(string value) => new(IdentityKind.Email, value);

    public static ContactIdentity Phone(string value) => new(IdentityKind.Phone, value);

    public static string KindToName(IdentityKind kind) => kind switch
    {
        IdentityKind.Email => "email",
        IdentityKind.Phone => "phone",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown identity kind."),
    };

    public static IdentityKind KindFromName(string name) => name switch
    {
        "email" => IdentityKind.Email,
        "phone" => IdentityKind.Phone,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown identity kind."),
    };
}
