namespace Crm.Contracts.Api;

/// <summary>A page of a list: <c>{ "items": [...], "nextCursor": "..." }</c>.</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed record Page<T>
{
    /// <summary>The items of this page, in the list's order.</summary>
    public required IReadOnlyList<T> Items { get; init; }

    /// <summary>Opaque cursor to pass as <c>cursor</c> for the next page (same filters); null on the last page.</summary>
    public string? NextCursor { get; init; }
}

/// <summary>The channel a lead or message travels on. Serialised lower-case.</summary>
public enum Channel
{
    /// <summary>A web form (<c>web</c>).</summary>
    Web,
    /// <summary>An ad platform's lead form (<c>ads</c>).</summary>
    Ads,
    /// <summary>WhatsApp (<c>whatsapp</c>).</summary>
    Whatsapp,
    /// <summary>SMS (<c>sms</c>).</summary>
    Sms,
    /// <summary>E-mail (<c>email</c>).</summary>
    Email,
    /// <summary>A phone call (<c>phone</c>).</summary>
    Phone,
    /// <summary>Referred by a customer or partner (<c>referral</c>).</summary>
    Referral,
    /// <summary>Not given and not inferable from the source (<c>unknown</c>).</summary>
    Unknown,
}

/// <summary>A lead's temperature. Serialised lower-case.</summary>
public enum Grade
{
    /// <summary>Low score (<c>cold</c>).</summary>
    Cold,
    /// <summary>Middle score (<c>warm</c>).</summary>
    Warm,
    /// <summary>High score: contact quickly (<c>hot</c>).</summary>
    Hot,
}

/// <summary>An amount of money: <c>{ "amount": "129.90", "currency": "EUR" }</c> (a decimal string and an ISO 4217 code).</summary>
public sealed record Money
{
    /// <summary>Decimal string with a dot, at most 2 decimals, not negative (<c>"129.90"</c>).</summary>
    public required string Amount { get; init; }

    /// <summary>ISO 4217 code, three upper-case letters (<c>"EUR"</c>).</summary>
    public required string Currency { get; init; }
}
