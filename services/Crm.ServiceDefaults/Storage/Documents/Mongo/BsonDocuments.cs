using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MongoDB.Bson;

namespace Crm.ServiceDefaults.Storage.Mongo;

/// <summary>
/// Documents as BSON, with exactly the shape <see cref="DocumentJson"/> gives them (one contract for both stores):
/// the JSON is walked together with the .NET types, so times become BSON dates (TTL indexes and date comparisons
/// work), <c>int</c> stays Int32, <c>long</c> Int64, <c>decimal</c> Decimal128; the document id is <c>_id</c>;
/// dictionaries become arrays of <c>{ k, v }</c> so any key (with dots or a leading <c>$</c>) is safe.
/// </summary>
public static class BsonDocuments
{
    private const string Time = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, Type>> Properties = new();

    public static BsonDocument ToBson(IDocument document)
    {
        var type = document.GetType();
        var json = JsonSerializer.SerializeToElement(document, type, DocumentJson.Options);
        var body = (BsonDocument)ToBson(json, type);
        var result = new BsonDocument("_id", document.Id);
        foreach (var element in body)
        {
            if (element.Name != "id")
            {
                result.Add(element);
            }
        }

        return result;
    }

    public static T FromBson<T>(BsonDocument document)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteObject(writer, document, typeof(T), topLevel: true);
        }

        return DocumentJson.Deserialize<T>(buffer.WrittenSpan);
    }

    /// <summary>A stored JSON value as BSON, typed by <paramref name="type"/> (null: inferred from the JSON).</summary>
    public static BsonValue ToBson(JsonElement json, Type? type)
    {
        var valueType = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        switch (json.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return BsonNull.Value;
            case JsonValueKind.String when valueType == typeof(DateTimeOffset) || valueType == typeof(DateTime):
                return new BsonDateTime(DateTimeOffset.Parse(json.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime);
            case JsonValueKind.String:
                return new BsonString(json.GetString());
            case JsonValueKind.True:
                return BsonBoolean.True;
            case JsonValueKind.False:
                return BsonBoolean.False;
            case JsonValueKind.Number:
                return Number(json, valueType);
            case JsonValueKind.Array:
                var elementType = valueType is null ? null : Info(valueType) is { Kind: JsonTypeInfoKind.Enumerable } list ? list.ElementType : null;
                return new BsonArray(json.EnumerateArray().Select(e => ToBson(e, elementType)));
            default:
                var info = valueType is null ? null : Info(valueType);
                if (info is { Kind: JsonTypeInfoKind.Dictionary })
                {
                    return new BsonArray(json.EnumerateObject().Select(p => new BsonDocument { { "k", p.Name }, { "v", ToBson(p.Value, info.ElementType) } }));
                }

                var properties = info is { Kind: JsonTypeInfoKind.Object } ? PropertiesOf(info) : null;
                var document = new BsonDocument();
                foreach (var property in json.EnumerateObject())
                {
                    document.Add(property.Name, ToBson(property.Value, properties?.GetValueOrDefault(property.Name)));
                }

                return document;
        }
    }

    private static BsonValue Number(JsonElement json, Type? type)
    {
        if (type == typeof(int) || type == typeof(short) || type == typeof(byte) || type == typeof(sbyte) || type == typeof(ushort))
        {
            return new BsonInt32(json.GetInt32());
        }

        if (type == typeof(decimal))
        {
            return new BsonDecimal128(json.GetDecimal());
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return new BsonDouble(json.GetDouble());
        }

        return json.TryGetInt64(out var integer) ? new BsonInt64(integer) : new BsonDouble(json.GetDouble());
    }

    private static void WriteObject(Utf8JsonWriter writer, BsonDocument document, Type? type, bool topLevel)
    {
        var info = type is null ? null : Info(Nullable.GetUnderlyingType(type) ?? type);
        var properties = info is { Kind: JsonTypeInfoKind.Object } ? PropertiesOf(info) : null;
        writer.WriteStartObject();
        foreach (var element in document)
        {
            var name = topLevel && element.Name == "_id" ? "id" : element.Name;
            writer.WritePropertyName(name);
            WriteValue(writer, element.Value, properties?.GetValueOrDefault(name));
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, BsonValue value, Type? type)
    {
        var info = type is null ? null : Info(Nullable.GetUnderlyingType(type) ?? type);
        switch (value.BsonType)
        {
            case BsonType.Null or BsonType.Undefined:
                writer.WriteNullValue();
                break;
            case BsonType.String:
                writer.WriteStringValue(value.AsString);
                break;
            case BsonType.Boolean:
                writer.WriteBooleanValue(value.AsBoolean);
                break;
            case BsonType.Int32:
                writer.WriteNumberValue(value.AsInt32);
                break;
            case BsonType.Int64:
                writer.WriteNumberValue(value.AsInt64);
                break;
            case BsonType.Double:
                writer.WriteNumberValue(value.AsDouble);
                break;
            case BsonType.Decimal128:
                writer.WriteNumberValue(Decimal128.ToDecimal(value.AsDecimal128));
                break;
            case BsonType.DateTime:
                writer.WriteStringValue(value.ToUniversalTime().ToString(Time, CultureInfo.InvariantCulture));
                break;
            case BsonType.ObjectId:
                writer.WriteStringValue(value.AsObjectId.ToString());
                break;
            case BsonType.Array when info is { Kind: JsonTypeInfoKind.Dictionary }:
                writer.WriteStartObject();
                foreach (var entry in value.AsBsonArray.OfType<BsonDocument>())
                {
                    writer.WritePropertyName(entry["k"].AsString);
                    WriteValue(writer, entry.GetValue("v", BsonNull.Value), info.ElementType);
                }

                writer.WriteEndObject();
                break;
            case BsonType.Array:
                writer.WriteStartArray();
                foreach (var item in value.AsBsonArray)
                {
                    WriteValue(writer, item, info is { Kind: JsonTypeInfoKind.Enumerable } ? info.ElementType : null);
                }

                writer.WriteEndArray();
                break;
            case BsonType.Document:
                WriteObject(writer, value.AsBsonDocument, type, topLevel: false);
                break;
            default:
                throw new NotSupportedException($"BSON {value.BsonType} is not part of the document contract.");
        }
    }

    private static JsonTypeInfo Info(Type type) => DocumentJson.Options.GetTypeInfo(type);

    private static IReadOnlyDictionary<string, Type> PropertiesOf(JsonTypeInfo info) =>
        Properties.GetOrAdd(info.Type, _ => info.Properties.ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.Ordinal));
}
