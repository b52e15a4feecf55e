using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The exact SQL of every operator, a keyset position, an update, an upsert and a claim: an indexed field is read
/// from its generated column (so the index serves it), any other field with <c>json_extract</c>; an absent field is
/// NULL, which <c>ne</c> and <c>not in</c> match as MongoDB does.
/// </summary>
public sealed class SqlRenderingTests
{
    private static readonly SqlRenderer Renderer = new(Samples);

    public static TheoryData<string, Filter<Sample>, string> Operators => new()
    {
        { "eq (indexed)", Filter<Sample>.Eq(x => x.Name, "ana"), "SELECT doc FROM \"samples\" WHERE \"f_name\" = $p0\n  -- $p0 = 'ana'" },
        { "eq (not indexed)", Filter<Sample>.Eq(x => x.Count, 3), "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.count') = $p0\n  -- $p0 = 3" },
        { "eq (bool)", Filter<Sample>.Eq(x => x.Active, true), "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.active') = $p0\n  -- $p0 = 1" },
        { "eq (id)", Filter<Sample>.Eq(x => x.Id, "s-1"), "SELECT doc FROM \"samples\" WHERE id = $p0\n  -- $p0 = 's-1'" },
        { "eq (nested)", Filter<Sample>.Eq(x => x.Home!.City, "Porto"), "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.home.city') = $p0\n  -- $p0 = 'Porto'" },
        { "eq null", Filter<Sample>.Eq(x => x.Note, null), "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.note') IS NULL" },
        { "ne", Filter<Sample>.Ne(x => x.Note, "x"), "SELECT doc FROM \"samples\" WHERE (json_extract(doc, '$.note') IS NULL OR json_extract(doc, '$.note') <> $p0)\n  -- $p0 = 'x'" },
        { "ne null", Filter<Sample>.Ne(x => x.Email, null), "SELECT doc FROM \"samples\" WHERE \"f_email\" IS NOT NULL" },
        { "gt (long)", Filter<Sample>.Gt(x => x.Big, 9_007_199_254_740_993), "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.big') > $p0\n  -- $p0 = 9007199254740993" },
        { "gte (time)", Filter<Sample>.Gte(x => x.At, T0), "SELECT doc FROM \"samples\" WHERE \"f_at\" >= $p0\n  -- $p0 = '2026-11-22T12:00:00.123Z'" },
        { "lt (decimal)", Filter<Sample>.Lt(x => x.Amount, 2.5m), "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.amount') < $p0\n  -- $p0 = 2.5" },
        { "lte (optional time)", Filter<Sample>.Lte(x => x.Touched, T0), "SELECT doc FROM \"samples\" WHERE \"f_touched\" <= $p0\n  -- $p0 = '2026-11-22T12:00:00.123Z'" },
        { "in (enum)", Filter<Sample>.In(x => x.Tier, [Tier.Gold, Tier.Bronze]), "SELECT doc FROM \"samples\" WHERE \"f_tier\" IN (SELECT value FROM json_each($p0))\n  -- $p0 = '[\"gold\",\"bronze\"]'" },
        { "not in", Filter<Sample>.NotIn(x => x.Count, [1, 2]), "SELECT doc FROM \"samples\" WHERE (json_extract(doc, '$.count') IS NULL OR json_extract(doc, '$.count') NOT IN (SELECT value FROM json_each($p0)))\n  -- $p0 = '[1,2]'" },
        { "exists", Filter<Sample>.Exists(x => x.Email), "SELECT doc FROM \"samples\" WHERE \"f_email\" IS NOT NULL" },
        { "missing", Filter<Sample>.Missing(x => x.Home!.Zip), "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.home.zip') IS NULL" },
        { "contains", Filter<Sample>.Contains(x => x.Tags, "vip"), "SELECT doc FROM \"samples\" WHERE EXISTS (SELECT 1 FROM json_each(doc, '$.tags') WHERE value = $p0)\n  -- $p0 = 'vip'" },
        {
            "and / or",
            (Filter<Sample>.Eq(x => x.Active, true) | Filter<Sample>.Gt(x => x.Count, 2)) & Filter<Sample>.Eq(x => x.Name, "a"),
            "SELECT doc FROM \"samples\" WHERE ((json_extract(doc, '$.active') = $p0 OR json_extract(doc, '$.count') > $p1) AND \"f_name\" = $p2)\n  -- $p0 = 1, $p1 = 2, $p2 = 'a'"
        },
        { "all", Filter<Sample>.All, "SELECT doc FROM \"samples\"" },
    };

    [Theory]
    [MemberData(nameof(Operators))]
    public void Each_operator_renders_to_its_sql(string name, Filter<Sample> filter, string sql)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(sql, Renderer.Select(filter.Node, [], null, null).ToString());
    }

    [Fact]
    public void A_sorted_limited_query_orders_by_its_columns_then_the_id()
    {
        var query = Samples.Find(Filter<Sample>.Eq(x => x.Active, true)).OrderBy(x => x.Tier).ThenByDescending(x => x.At).Take(10);

        Assert.Equal(
            "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.active') = $p0 ORDER BY \"f_tier\", \"f_at\" DESC, id LIMIT $p1\n  -- $p0 = 1, $p1 = 10",
            Renderer.Select(query.Filter.Node, query.EffectiveSort, query.After, query.Limit).ToString());
    }

    [Fact]
    public void A_keyset_position_of_a_sort_in_one_direction_is_one_row_value_comparison()
    {
        var ascending = Samples.All().OrderBy(x => x.Name).ThenBy(x => x.Count).StartAfter(Full("s-1"));
        var descending = Samples.All().OrderByDescending(x => x.At).ThenByDescending(x => x.Id).StartAfter(Full("s-1"));

        Assert.Equal(
            "SELECT doc FROM \"samples\" WHERE (\"f_name\", json_extract(doc, '$.count'), id) > ($p0, $p1, $p2) ORDER BY \"f_name\", json_extract(doc, '$.count'), id\n"
            + "  -- $p0 = 'Ana Lima', $p1 = 42, $p2 = 's-1'",
            Renderer.Select(ascending.Filter.Node, ascending.EffectiveSort, ascending.After, ascending.Limit).ToString());
        Assert.Equal(
            "SELECT doc FROM \"samples\" WHERE (\"f_at\", id) < ($p0, $p1) ORDER BY \"f_at\" DESC, id DESC\n"
            + "  -- $p0 = '2026-11-22T12:00:00.123Z', $p1 = 's-1'",
            Renderer.Select(descending.Filter.Node, descending.EffectiveSort, descending.After, descending.Limit).ToString());
    }

    [Fact]
    public void A_keyset_position_of_a_mixed_sort_is_one_branch_per_key()
    {
        var query = Samples.Find(Filter<Sample>.Eq(x => x.Active, true)).OrderBy(x => x.Tier).ThenByDescending(x => x.At).Take(10).StartAfter(Full("s-1"));

        Assert.Equal(
            "SELECT doc FROM \"samples\" WHERE json_extract(doc, '$.active') = $p0 AND (\"f_tier\" > $p1 OR (\"f_tier\" = $p2 AND \"f_at\" < $p3) OR (\"f_tier\" = $p4 AND \"f_at\" = $p5 AND id > $p6)) "
            + "ORDER BY \"f_tier\", \"f_at\" DESC, id LIMIT $p7\n"
            + "  -- $p0 = 1, $p1 = 'bronze', $p2 = 'bronze', $p3 = '2026-11-22T12:00:00.123Z', $p4 = 'bronze', $p5 = '2026-11-22T12:00:00.123Z', $p6 = 's-1', $p7 = 10",
            Renderer.Select(query.Filter.Node, query.EffectiveSort, query.After, query.Limit).ToString());
    }

    [Fact]
    public void An_update_removes_then_sets_in_one_expression()
    {
        var update = new Update<Sample>()
            .Set(x => x.Name, "b")
            .Set(x => x.At, T0)
            .Inc(x => x.Count, 2)
            .Inc(x => x.Version, 1L)
            .Unset(x => x.Note)
            .Set(x => x.Home!.City, "Porto");

        Assert.Equal(
            "UPDATE \"samples\" SET doc = json_set(json_remove(doc, '$.note'), '$.name', json($p0), '$.at', json($p1), "
            + "'$.count', coalesce(json_extract(doc, '$.count'), 0) + $p2, '$.version', coalesce(json_extract(doc, '$.version'), 0) + $p3, '$.home.city', json($p4)) WHERE id = $p5\n"
            + "  -- $p0 = '\"b\"', $p1 = '\"2026-11-22T12:00:00.123Z\"', $p2 = 2, $p3 = 1, $p4 = '\"Porto\"', $p5 = 's-1'",
            Renderer.Update(Filter<Sample>.Eq(x => x.Id, "s-1").Node, update.Operations).ToString());
    }

    [Fact]
    public void An_upsert_applies_the_update_to_the_seed_or_to_the_stored_document()
    {
        var seed = Minimal("s-1") with { Count = 10 };
        var update = new Update<Sample>().Inc(x => x.Count, 5).Set(x => x.Name, "n");

        Assert.Equal(
            "INSERT INTO \"samples\" (id, doc) VALUES ($p0, json_set(json($p1), '$.count', coalesce(json_extract(json($p1), '$.count'), 0) + $p2, '$.name', json($p3))) "
            + "ON CONFLICT (id) DO UPDATE SET doc = json_set(doc, '$.count', coalesce(json_extract(doc, '$.count'), 0) + $p4, '$.name', json($p5))\n"
            + "  -- $p0 = 's-1', $p1 = '" + DocumentJson.Serialize(seed) + "', $p2 = 5, $p3 = '\"n\"', $p4 = 5, $p5 = '\"n\"'",
            Renderer.Upsert(seed.Id, DocumentJson.Serialize(seed), update.Operations).ToString());
    }

    [Fact]
    public void A_claim_updates_the_first_matches_in_order_and_returns_them()
    {
        var query = Samples.Find(Filter<Sample>.Missing(x => x.Owner)).OrderBy(x => x.Count).Take(3);

        Assert.Equal(
            "UPDATE \"samples\" SET doc = json_set(doc, '$.owner', json($p0)) WHERE id IN (SELECT id FROM \"samples\" WHERE json_extract(doc, '$.owner') IS NULL ORDER BY json_extract(doc, '$.count'), id LIMIT $p1) RETURNING doc\n"
            + "  -- $p0 = '\"t\"', $p1 = 3",
            Renderer.Claim(query.Filter.Node, query.EffectiveSort, query.Limit!.Value, new Update<Sample>().Set(x => x.Owner, "t").Operations).ToString());
    }

    [Fact]
    public void Writes_by_id_and_by_filter_render_to_their_statements()
    {
        Assert.Equal("SELECT doc FROM \"samples\" WHERE id = $p0\n  -- $p0 = 's-1'", Renderer.Get("s-1").ToString());
        Assert.Equal("INSERT INTO \"samples\" (id, doc) VALUES ($p0, $p1)", Renderer.Insert("s-1", "{}", ignoreIfExists: false).Sql);
        Assert.Equal("INSERT INTO \"samples\" (id, doc) VALUES ($p0, $p1) ON CONFLICT (id) DO NOTHING", Renderer.Insert("s-1", "{}", ignoreIfExists: true).Sql);
        Assert.Equal("INSERT INTO \"samples\" (id, doc) VALUES ($p0, $p1) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc", Renderer.Put("s-1", "{}").Sql);
        Assert.Equal(
            "UPDATE \"samples\" SET doc = $p1 WHERE id = $p0 AND json_extract(doc, '$.version') = $p2\n  -- $p0 = 's-1', $p1 = '{}', $p2 = 4",
            Renderer.Replace("s-1", "{}", expectedVersion: 4).ToString());
        Assert.Equal(
            "DELETE FROM \"samples\" WHERE \"f_touched\" < $p0\n  -- $p0 = '2026-11-22T12:00:00.123Z'",
            Renderer.Delete(Filter<Sample>.Lt(x => x.Touched, T0).Node).ToString());
        Assert.Equal(
            "SELECT COUNT(*) FROM \"samples\" WHERE \"f_code\" = $p0\n  -- $p0 = 'c'",
            Renderer.Count(Filter<Sample>.Eq(x => x.Code, "c").Node).ToString());
    }

    [Fact]
    public void The_schema_declares_a_generated_column_per_indexed_field_and_an_index_per_declaration()
    {
        Assert.Equal("CREATE TABLE IF NOT EXISTS \"samples\" (id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL)", SqliteSchema.CreateTable(Samples));
        Assert.Equal(
            "ALTER TABLE \"samples\" ADD COLUMN \"f_home_city\" GENERATED ALWAYS AS (json_extract(doc, '$.home.city')) VIRTUAL",
            SqliteSchema.AddColumn(Samples, "home.city"));
        Assert.Equal(
            [
                "CREATE INDEX \"ix_samples.name\" ON \"samples\" (\"f_name\")",
                "CREATE INDEX \"ix_samples.tier_at\" ON \"samples\" (\"f_tier\", \"f_at\" DESC)",
                "CREATE UNIQUE INDEX \"ix_samples.code\" ON \"samples\" (\"f_code\")",
                "CREATE UNIQUE INDEX \"ix_samples.email\" ON \"samples\" (\"f_email\") WHERE \"f_email\" IS NOT NULL",
                "CREATE INDEX \"ix_samples.touched_ttl\" ON \"samples\" (\"f_touched\")",
            ],
            Samples.Indexes.Select(i => SqliteSchema.CreateIndex(Samples, i)));
        Assert.Equal(["at", "code", "email", "name", "tier", "touched"], Renderer.ColumnPaths.Order(StringComparer.Ordinal));
        Assert.Equal(
            "CREATE UNIQUE INDEX \"ix_owned.owner_email\" ON \"owned\" (\"f_owner\", \"f_email\") WHERE \"f_owner\" IS NOT NULL AND \"f_email\" IS NOT NULL",
            SqliteSchema.CreateIndex(Owned, Owned.Indexes.Single()));
    }
}
