using System.Text.Json.Serialization;

namespace Crm.Contracts.Api.Contacts;

/// <summary>One step in a contact's history (a lead captured, scored, assigned, a message sent).</summary>
public sealed record TimelineEntry
{
    /// <summary>The id of the event the entry records.</summary>
    public required string EventId { get; init; }

    /// <summary>Event type in kebab case: lead-captured, lead-scored, lead-assigned, message-sent.</summary>
    public required string Type { get; init; }

    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>A one-line description for people.</summary>
    public required string Summary { get; init; }

    /// <summary>The lead it concerns, if any.</summary>
    public string? LeadId { get; init; }
}

/// <summary>A contact: one person, however many leads they came in through.</summary>
public sealed record ContactResponse
{
    /// <summary>The contact's id.</summary>
    public required string Id { get; init; }

    /// <summary>The person's name, when known.</summary>
    public string? Name { get; init; }

    /// <summary>E-mail addresses, lower-case.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];

    /// <summary>E.164.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];

    /// <summary>When the contact became known (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Version, incremented by every change of the contact (send it as <c>If-Match</c>).</summary>
    public required long Version { get; init; }

    /// <summary>Newest first (only <c>GET /api/contacts/{id}</c> and <c>PATCH</c> fill it; list items have none).</summary>
    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];

    /// <summary>The primary e-mail: the first of <see cref="Emails"/> (the first learnt unless a patch changed the order).</summary>
    public string? PrimaryEmail { get; init; }

    /// <summary>The primary phone: the first of <see cref="Phones"/>.</summary>
    public string? PrimaryPhone { get; init; }

    /// <summary>Ids other systems give the person.</summary>
    public IReadOnlyList<ExternalIdDocument> ExternalIds { get; init; } = [];

    /// <summary>BCP 47 language tag.</summary>
    public string? Locale { get; init; }

    /// <summary>IANA time zone.</summary>
    public string? TimeZone { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    public string? Country { get; init; }

    /// <summary>Region, state or province.</summary>
    public string? Region { get; init; }

    /// <summary>Date of birth.</summary>
    public DateOnly? Birthday { get; init; }

    /// <summary>Postal address (the country is <see cref="Country"/>).</summary>
    public AddressDocument? Address { get; init; }

    /// <summary>Where the person is in the customer lifecycle (<c>lead</c> unless changed).</summary>
    public LifecycleStage LifecycleStage { get; init; } = LifecycleStage.Lead;

    /// <summary>Tags, lower-case.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Custom field values by key (see <c>/api/contacts/field-definitions</c>).</summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement> CustomFields { get; init; } = new Dictionary<string, System.Text.Json.JsonElement>();

    /// <summary>When the contact last changed (UTC).</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>Where a contact is in the customer lifecycle. Serialised lower-case.</summary>
public enum LifecycleStage
{
    /// <summary>Signed up for news only (<c>subscriber</c>).</summary>
    Subscriber,
    /// <summary>Showed interest: the default of a contact created by a lead capture (<c>lead</c>).</summary>
    Lead,
    /// <summary>In an active sales conversation (<c>opportunity</c>).</summary>
    Opportunity,
    /// <summary>Bought (<c>customer</c>).</summary>
    Customer,
    /// <summary>Was a customer and left (<c>churned</c>).</summary>
    Churned,
}

/// <summary>A postal address: <c>{ "street": "Hauptstraße 5", "postalCode": "10115", "city": "Berlin" }</c>; at least one part.</summary>
public sealed record AddressDocument
{
    /// <summary>Street and number, 1 to 200 characters.</summary>
    public string? Street { get; init; }

    /// <summary>Postal code, 1 to 20 characters.</summary>
    public string? PostalCode { get; init; }

    /// <summary>City, 1 to 100 characters.</summary>
    public string? City { get; init; }
}

/// <summary>An id another system gives the person: <c>{ "kind": "shop", "value": "C-123" }</c>, <c>{ "kind": "device", "value": "ios-4f2a" }</c>.</summary>
public sealed record ExternalIdDocument
{
    /// <summary>Which system or kind of id: lower-case letters, digits and '-', 1 to 30 characters (<c>shop</c>, <c>device</c>, <c>pos</c>).</summary>
    public required string Kind { get; init; }

    /// <summary>The id in that system, trimmed, case kept, 1 to 200 characters. Unique per kind across all contacts.</summary>
    public required string Value { get; init; }
}

/// <summary>
/// Body of <c>PATCH /api/contacts/{id}</c> (JSON merge patch): an absent member is unchanged, <c>null</c> clears it.
/// Lists (<c>emails</c>, <c>phones</c>, <c>externalIds</c>, <c>tags</c>) are replaced whole; the first e-mail and the
/// first phone are the primary ones. <c>customFields</c> is merged per key (null removes a key).
/// </summary>
public sealed record UpdateContactRequest
{
    /// <summary>The person's name (at most 200 characters).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    /// <summary>Every e-mail of the person, the primary first (at most 10). Each must not belong to another contact (409).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Emails { get; init; }

    /// <summary>Every phone of the person, the primary first (at most 10; read in the service's default region when without country code). Each must not belong to another contact (409).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Phones { get; init; }

    /// <summary>Ids other systems give the person (at most 20). Each must not belong to another contact (409).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ExternalIdDocument>? ExternalIds { get; init; }

    /// <summary>BCP 47 language tag (<c>de-DE</c>, <c>pt-BR</c>, <c>en</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Locale { get; init; }

    /// <summary>IANA time zone (<c>Europe/Berlin</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TimeZone { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country code (<c>DE</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Country { get; init; }

    /// <summary>Region, state or province, free text (at most 100 characters).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Region { get; init; }

    /// <summary>Date of birth (not in the future, not before 1900).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? Birthday { get; init; }

    /// <summary>Where the person is in the customer lifecycle.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LifecycleStage? LifecycleStage { get; init; }

    /// <summary>Tags, stored trimmed and lower-case (at most 50, each 1 to 50 characters).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Custom field values by key, checked against the field definitions; null removes a key.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement?>? CustomFields { get; init; }
}

/// <summary>The type of a custom field's values. Serialised lower-case.</summary>
public enum CustomFieldType
{
    /// <summary>A string of at most 1,000 characters (<c>text</c>).</summary>
    Text,
    /// <summary>A JSON number (<c>number</c>).</summary>
    Number,
    /// <summary>true or false (<c>boolean</c>).</summary>
    Boolean,
    /// <summary>A date string <c>2026-12-24</c> (<c>date</c>).</summary>
    Date,
    /// <summary>One of the definition's <c>allowedValues</c> (<c>enum</c>).</summary>
    Enum,
}

/// <summary>One custom field of contacts.</summary>
public sealed record CustomFieldDefinitionDocument
{
    /// <summary>The key in <c>customFields</c>: a letter, then letters, digits or '_', at most 50 characters; unique.</summary>
    public required string Key { get; init; }

    /// <summary>What people see (1 to 100 characters).</summary>
    public required string Label { get; init; }

    /// <summary>The type of its values.</summary>
    public required CustomFieldType Type { get; init; }

    /// <summary>Every contact change must leave the field with a value.</summary>
    public bool Required { get; init; }

    /// <summary>For <c>enum</c> only (and required there): the values allowed, 1 to 100, each 1 to 100 characters, unique.</summary>
    public IReadOnlyList<string>? AllowedValues { get; init; }
}

/// <summary>Body and answer of <c>/api/contacts/field-definitions</c>: every custom field of contacts (replaced whole).</summary>
public sealed record ContactFieldDefinitionsDocument
{
    /// <summary>The definitions (at most 100).</summary>
    public required IReadOnlyList<CustomFieldDefinitionDocument> Definitions { get; init; }

    /// <summary>The definitions' version (answers; send it as <c>If-Match</c>). Ignored in a request.</summary>
    public long? Version { get; init; }
}
