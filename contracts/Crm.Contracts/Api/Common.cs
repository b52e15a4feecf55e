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
