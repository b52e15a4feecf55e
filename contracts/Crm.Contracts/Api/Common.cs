namespace Crm.Contracts.Api;

/// <summary>A page of a list: <c>{ "items": [...], "nextCursor": "..." }</c>.</summary>
public sealed record Page<T>
{
    public required IReadOnlyList<T> Items { get; init; }
    public string? NextCursor { get; init; }
}

/// <summary>The channel a lead or message travels on. Serialised lower-case.</summary>
public enum Channel
{
    Web,
    Ads,
    Whatsapp,
    Sms,
    Email,
    Phone,
}

/// <summary>A lead's temperature. Serialised lower-case.</summary>
public enum Grade
{
    Cold,
    Warm,
    Hot,
}
