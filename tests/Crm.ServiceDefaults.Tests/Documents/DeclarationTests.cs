using System.Text.Json.Serialization;
using Crm.ServiceDefaults.Storage;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// What a service can declare: fields are resolved through the documents' JSON contract, so a query, an index or
/// an update can only name what is really stored; collections and indexes refuse declarations the stores cannot keep.
/// </summary>
public sealed class DeclarationTests
{
    public sealed record Renamed : IDocument
    {
        public required string Id { get; init; }
        public long Version { get; init; } = 1;
        [JsonPropertyName("e_mail")]
        public string? Email { get; init; }
        public Address? Home { get; init; }
    }

    [Fact]
    public void A_field_is_named_as_the_document_stores_it()
    {
        var city = FieldPath.Of<Sample, string>(x => x.Home!.City);
        var touched = FieldPath.Of<Sample, DateTimeOffset?>(x => x.Touched);
        var id = FieldPath.Of<Sample, string>(x => x.Id);

        Assert.Equal(("home.city", typeof(string), typeof(Sample)), (city.Path, city.Type, city.Root));
        Assert.True(touched.IsTime);
        Assert.Equal(typeof(DateTimeOffset), touched.ValueType);
        Assert.True(id.IsId);
        Assert.Equal("e_mail", FieldPath.Of<Renamed, string?>(x => x.Email).Path);
        Assert.Equal(FieldPath.Of<Sample, object>(x => x.Count), FieldPath.Of<Sample, int>(x => x.Count));
    }

    [Fact]
    public void A_property_that_is_not_stored_cannot_be_named()
    {
        var error = Assert.Throws<ArgumentException>(() => FieldPath.Of<Sample, string>(x => x.Display));

        Assert.Contains("Sample.Display is not stored", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Filter<Sample>.Eq(x => x.Display, "x"));
        Assert.Throws<ArgumentException>(() => new Update<Sample>().Set(x => x.Display, "x"));
        Assert.Throws<ArgumentException>(() => new DocumentCollection<Sample>("display").Index("display", i => i.Asc(x => x.Display)));
        Assert.Throws<ArgumentException>(() => Samples.All().OrderBy(x => x.Display));
    }

    [Fact]
    public void Only_a_chain_of_stored_properties_is_a_field()
    {
        Assert.Throws<ArgumentException>(() => FieldPath.Of<Sample, string>(x => x.Attributes["plain"]));
        Assert.Throws<ArgumentException>(() => FieldPath.Of<Sample, int>(x => x.Name.Length));
        Assert.Throws<ArgumentException>(() => FieldPath.Of<Sample, string>(x => x.Name.ToUpperInvariant()));
        Assert.Throws<ArgumentException>(() => FieldPath.Of<Sample, string>(_ => "constant"));
    }

    [Fact]
    public void An_update_cannot_change_the_id_or_one_field_twice()
    {
        Assert.Throws<ArgumentException>(() => new Update<Sample>().Set(x => x.Id, "other"));
        Assert.Throws<ArgumentException>(() => new Update<Sample>().Set(x => x.Name, "a").Set(x => x.Name, "b"));
        Assert.Throws<ArgumentException>(() => new Update<Sample>().Set(x => x.Home, new Address("Porto", null)).Set(x => x.Home!.City, "Braga"));
        Assert.Throws<ArgumentException>(() => new Update<Sample>().Inc(x => x.Count, 1).Unset(x => x.Count));
    }

    [Fact]
    public void A_filter_refuses_null_where_mongodb_would_not_compare_it()
    {
        Assert.Throws<ArgumentException>(() => Filter<Sample>.Gt(x => x.Note, null));
        Assert.Throws<ArgumentException>(() => Filter<Sample>.In(x => x.Note, ["a", null]));
    }

    [Fact]
    public void When_present_names_the_optional_keys_of_a_partial_index()
    {
        var named = new DocumentCollection<Sample>("code_present").Index("code_email", i => i.Asc(x => x.Code).Asc(x => x.Email).Unique().WhenPresent(x => x.Email)).Indexes.Single();
        var all = new DocumentCollection<Sample>("all_present").Index("owner_email", i => i.Asc(x => x.Owner).Asc(x => x.Email).Desc(x => x.Id).Unique().WhenPresent()).Indexes.Single();

        Assert.Equal(["email"], named.PresentFields.Select(f => f.Path));
        Assert.Equal("code:1,email:1|unique|when-present:email", named.Shape);
        Assert.Equal(["owner", "email"], Owned.Indexes.Single().PresentFields.Select(f => f.Path));
        Assert.Equal(["owner", "email"], all.PresentFields.Select(f => f.Path));
        Assert.Equal("owner:1,email:1,id:-1|unique|when-present", all.Shape);
        Assert.False(Samples.Indexes.Single(i => i.Name == "code").WhenPresent);
        Assert.Throws<InvalidOperationException>(() => new DocumentCollection<Sample>("bad").Index("owner", i => i.Asc(x => x.Owner).WhenPresent(x => x.Email)));
    }

    /// <summary>
    /// MongoDB indexes an absent field as null (a second document without it collides in a unique index); SQLite does
    /// not (NULLs are distinct). A unique index over an optional key is refused unless WhenPresent leaves those out.
    /// </summary>
    [Fact]
    public void A_unique_index_over_an_optional_key_must_leave_out_the_documents_without_it()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => new DocumentCollection<Sample>("bad").Index("owner_email", i => i.Asc(x => x.Owner).Asc(x => x.Email).Unique().WhenPresent(x => x.Email)));

        Assert.Contains("owner", refused.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new DocumentCollection<Sample>("bad").Index("email", i => i.Asc(x => x.Email).Unique()));
        Assert.Single(new DocumentCollection<Sample>("good").Index("code", i => i.Asc(x => x.Code).Unique()).Indexes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Samples")]
    [InlineData("1samples")]
    [InlineData("sam-ples")]
    [InlineData("_samples")]
    public void A_collection_name_is_lower_case_letters_digits_and_underscores(string name)
    {
        Assert.Throws<ArgumentException>(() => new DocumentCollection<Sample>(name));
    }

    [Fact]
    public void Index_declarations_the_stores_cannot_keep_are_refused()
    {
        var collection = new DocumentCollection<Sample>("checks").Index("name", i => i.Asc(x => x.Name));

        Assert.Throws<ArgumentException>(() => collection.Index("name", i => i.Asc(x => x.Code)));
        Assert.Throws<ArgumentException>(() => collection.Index("Bad-Name", i => i.Asc(x => x.Code)));
        Assert.Throws<InvalidOperationException>(() => collection.Index("empty", i => i));
        Assert.Throws<InvalidOperationException>(() => collection.Index("ttl_on_a_string", i => i.Asc(x => x.Name).ExpireAfter(TimeSpan.FromHours(1))));
        Assert.Throws<InvalidOperationException>(() => collection.Index("ttl_two_keys", i => i.Asc(x => x.At).Asc(x => x.Name).ExpireAfter(TimeSpan.FromHours(1))));
        Assert.Throws<ArgumentOutOfRangeException>(() => collection.Index("ttl_zero", i => i.Asc(x => x.At).ExpireAfter(TimeSpan.Zero)));
        Assert.Throws<InvalidOperationException>(() => collection.Index("id_alone", i => i.Asc(x => x.Id)));
        Assert.Single(collection.Indexes);
    }
}
