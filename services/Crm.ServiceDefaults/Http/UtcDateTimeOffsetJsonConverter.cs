using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crm.ServiceDefaults.Http;

/// <summary>
/// Writes timestamps as ISO-8601 UTC with <c>Z</c> and milliseconds (<c>2026-11-22T18:00:00.123Z</c>), as the public
/// API conventions ask (System.Text.Json alone would write <c>+00:00</c>). Reads any ISO-8601 offset.
/// </summary>
public sealed class UtcDateTimeOffsetJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}
