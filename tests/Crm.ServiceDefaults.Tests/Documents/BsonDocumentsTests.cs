using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// A document as MongoDB stores it, without a server: exactly the JSON contract both stores share, with BSON types
/// that make TTL indexes, date comparisons and counters work (review finding M14: none of it depends on the driver's
/// global serializer registry).
/// </summary>
public sealed class BsonDocumentsTests
{
    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.Shell };

    /// <summary>A visit inside a list: dates and numbers nested in arrays keep their types too.</summary>
    public sealed record Visit(DateTimeOffset At, int Pages, long Bytes);

    public sealed record Timeline : IDocument
    {
        public required string Id { get; init; }
        public long Version { get; init; } = 1;
        public List<Visit> Visits { get; init; } = [];
        public Dictionary<string, DateTimeOffset> SeenBy { get; init; } = [];
        public List<DateTimeOffset> Days { get; init; } = [];
    }

    /// <summary>M14: every type as the store needs it: <c>_id</c>, Int32, Int64, Decimal128, dates, dictionaries as <c>[{ k, v }]</c>.</summary>
    [Fact]
    public void A_document_becomes_bson_with_the_types_the_store_needs()
    {
        Assert.Equal(
            "{ \"_id\" : \"s-1\", \"version\" : NumberLong(3), \"name\" : \"Ana Lima\", \"count\" : 42, \"big\" : NumberLong(\"9007199254740993\"), \"active\" : true, "
            + "\"tier\" : \"bronze\", \"at\" : ISODate(\"2026-11-22T12:00:00.123Z\"), \"note\" : \"first contact at the fair\", \"tags\" : [\"vip\", \"fair-2026\"], "
            + "\"home\" : { \"city\" : \"Lisboa\", \"zip\" : \"1000-001\" }, "
            + "\"attributes\" : [{ \"k\" : \"utm.campaign\", \"v\" : \"spring\" }, { \"k\" : \"$where\", \"v\" : \"not an operator\" }, { \"k\" : \"plain\", \"v\" : \"x\" }], "
            + "\"amount\" : NumberDecimal(\"1234.5678\"), \"code\" : \"code-s-1\", \"email\" : \"s-1@example.com\", \"touched\" : ISODate(\"2026-11-22T11:55:00.123Z\") }",
            BsonDocuments.ToBson(Full("s-1")).ToJson(Shell));
    }

    /// <summary>M14: what is written reads back equal, every field.</summary>
    [Fact]
    public void Every_field_round_trips_through_bson()
    {
        var full = Full("s-1");
        var minimal = Minimal("s-2");

        AssertSame(full, BsonDocuments.FromBson<Sample>(BsonDocuments.ToBson(full)));
        AssertSame(minimal, BsonDocuments.FromBson<Sample>(BsonDocuments.ToBson(minimal)));
    }

    /// <summary>M14 / M16: absent, not BSON null (a null would be indexed, and counted by a sparse or unique index).</summary>
    [Fact]
    public void Null_members_are_not_stored()
    {
        var bson = BsonDocuments.ToBson(Minimal("s-2"));

        Assert.Equal(
            ["_id", "version", "name", "count", "big", "active", "tier", "at", "tags", "attributes", "amount", "code"],
            bson.Names);
    }

    /// <summary>
    /// M14: a time is a BSON date in UTC (what TTL indexes and $lt need), written from the JSON contract, never
    /// through the driver's global serializer registry, whose default for DateTimeOffset is an array of ticks and
    /// offset (the test leaves the registry alone: other tests in this process share it).
    /// </summary>
    [Fact]
    public void Times_are_bson_dates_in_utc()
    {
        var offset = Full("s-1") with { At = new DateTimeOffset(2026, 11, 22, 14, 0, 0, 123, TimeSpan.FromHours(2)) };

        var bson = BsonDocuments.ToBson(offset);

        Assert.Equal(BsonType.DateTime, bson["at"].BsonType);
        Assert.Equal(new DateTime(2026, 11, 22, 12, 0, 0, 123, DateTimeKind.Utc), bson["at"].ToUniversalTime());
        Assert.Equal(T0, BsonDocuments.FromBson<Sample>(bson).At);
    }

    /// <summary>M14: the types hold inside arrays, nested documents and dictionary values too.</summary>
    [Fact]
    public void Dates_and_numbers_nested_in_lists_and_dictionaries_keep_their_types()
    {
        var timeline = new Timeline
        {
            Id = "t-1",
            Visits = [new Visit(T0, 3, 5_000_000_000), new Visit(T0.AddDays(1), 1, 7)],
            SeenBy = new Dictionary<string, DateTimeOffset> { ["rep.one"] = T0.AddHours(1) },
            Days = [T0, T0.AddDays(2)],
        };

        var bson = BsonDocuments.ToBson(timeline);

        Assert.Equal(
            "{ \"_id\" : \"t-1\", \"version\" : NumberLong(1), \"visits\" : [{ \"at\" : ISODate(\"2026-11-22T12:00:00.123Z\"), \"pages\" : 3, \"bytes\" : NumberLong(\"5000000000\") }, "
            + "{ \"at\" : ISODate(\"2026-11-23T12:00:00.123Z\"), \"pages\" : 1, \"bytes\" : NumberLong(7) }], "
            + "\"seenBy\" : [{ \"k\" : \"rep.one\", \"v\" : ISODate(\"2026-11-22T13:00:00.123Z\") }], "
            + "\"days\" : [ISODate(\"2026-11-22T12:00:00.123Z\"), ISODate(\"2026-11-24T12:00:00.123Z\")] }",
            bson.ToJson(Shell));
        var back = BsonDocuments.FromBson<Timeline>(bson);
        Assert.Equal(timeline.Visits, back.Visits);
        Assert.Equal(timeline.SeenBy, back.SeenBy);
        Assert.Equal(timeline.Days, back.Days);
    }

    /// <summary>M14: a document written by a newer version or with explicit nulls (as the pre-layer code stored them) reads.</summary>
    [Fact]
    public void A_stored_document_with_unknown_fields_or_nulls_still_reads()
    {
        // Written by a newer version (an unknown field) or by the pre-layer code (optional members as BSON null).
        var stored = BsonDocuments.ToBson(Minimal("s-1"));
        stored["addedLater"] = new BsonDocument("x", 1);
        stored["note"] = BsonNull.Value;
        stored["home"] = BsonNull.Value;

        var read = BsonDocuments.FromBson<Sample>(stored);

        AssertSame(Minimal("s-1"), read);
    }

    /// <summary>M14: a filter or update value gets its field's BSON type (an int compared as Int32, a time as a date).</summary>
    [Fact]
    public void Values_are_converted_with_their_fields_type()
    {
        Assert.Equal(new BsonInt32(7), BsonDocuments.ToBson(DocumentJson.Encode(7, typeof(int)), typeof(int)));
        Assert.Equal(new BsonInt64(7), BsonDocuments.ToBson(DocumentJson.Encode(7L, typeof(long)), typeof(long)));
        Assert.Equal(new BsonDecimal128(7.5m), BsonDocuments.ToBson(DocumentJson.Encode(7.5m, typeof(decimal)), typeof(decimal)));
        Assert.Equal(new BsonDateTime(T0.UtcDateTime), BsonDocuments.ToBson(DocumentJson.Encode(T0, typeof(DateTimeOffset?)), typeof(DateTimeOffset?)));
        Assert.Equal(new BsonString("gold"), BsonDocuments.ToBson(DocumentJson.Encode(Tier.Gold, typeof(Tier)), typeof(Tier)));
        Assert.Equal(BsonNull.Value, BsonDocuments.ToBson(DocumentJson.Encode(null, typeof(string)), typeof(string)));
    }
}
