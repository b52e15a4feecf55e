using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Crm.ServiceDefaults.Http;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// How documents look in both stores (one shape, so a query means the same on SQLite and MongoDB): camelCase
/// names, enums as lower-case strings, times as UTC with milliseconds (<c>2026-11-29T10:00:00.000Z</c>, which
/// sorts as text; MongoDB stores them as BSON dates), null members left out (absent and null are the same thing),
/// unknown members ignored on read (documents written by a newer version still read).
/// </summary>
public static class DocumentJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static string Serialize(object document) => JsonSerializer.Serialize(document, document.GetType(), Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"A stored {typeof(T).Name} is null.");

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize<T>(utf8, Options) ?? throw new JsonException($"A stored {typeof(T).Name} is null.");

    /// <summary>A value as it is stored in a field of type <paramref name="type"/>.</summary>
    public static JsonElement Encode(object? value, Type type) => JsonSerializer.SerializeToElement(value, type, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OptionalWhenNullable } },
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.Converters.Add(new UtcDateTimeOffsetJsonConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A <c>required</c> member that may be null is left out when null, so reading must not insist on it.</summary>
    private static void OptionalWhenNullable(JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
        {
            if (property.IsRequired && property.IsGetNullable)
            {
                property.IsRequired = false;
            }
        }
    }
}
