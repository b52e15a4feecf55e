using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contacts.Grpc;
using Crm.Contacts.Ownership;
using Crm.Contacts.Timeline;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>Orders, the behavioural summary and the loyalty rules through the service's HTTP API.</summary>
public sealed class OrdersApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    private IDocumentStore Store => _api.Store;

    private Task<string> NewContactAsync() => _api.NewContactAsync("Olga");

    private static PlaceOrderRequest Order(string reference, string amount, DateTimeOffset? placedAt = null) => new()
    {
        Reference = reference,
        Amount = new Money { Amount = amount, Currency = "EUR" },
        Channel = "web",
        PlacedAt = placedAt,
        Items = [new OrderItemDocument { Sku = "TSH-1", Name = "T-shirt", Quantity = 2 }],
    };

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(CrmClient.JsonOptions))!;
    }

    private static async Task<List<string>> ErrorFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. json.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task An_order_is_recorded_summarised_scored_announced_and_on_the_timeline()
    {
        var contact = await NewContactAsync();
        var client = factory.CreateClient();
        var placedAt = DateTimeOffset.UtcNow.AddDays(-2).TruncateToMs();

        using var placed = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", Order("SHOP-1", "129.9", placedAt), CrmClient.JsonOptions);
        var order = await ReadAsync<OrderResponse>(placed, HttpStatusCode.Created);
        Assert.Equal($"/api/contacts/{contact}/orders/{order.Id}", placed.Headers.Location!.OriginalString);
        Assert.Equal(("SHOP-1", "129.90", "EUR", placedAt, 2), (order.Reference, order.Amount.Amount, order.Amount.Currency, order.PlacedAt, Assert.Single(order.Items).Quantity));

        using (var second = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", Order("SHOP-2", "20.10"), CrmClient.JsonOptions))
        {
            await ReadAsync<OrderResponse>(second, HttpStatusCode.Created);
        }

        var summary = await client.GetFromJsonAsync<CustomerSummaryResponse>($"/api/contacts/{contact}/summary", CrmClient.JsonOptions);
        Assert.Equal((2, placedAt), (summary!.Orders, summary.FirstOrderAt!.Value));
        Assert.Equal("150.00 EUR", $"{Assert.Single(summary.TotalSpent).Amount} EUR");
        Assert.Equal("75.00", Assert.Single(summary.AverageOrderValue).Amount);
        Assert.Equal((5, 2, 2, "bronze"), (summary.Loyalty.Recency, summary.Loyalty.Frequency, summary.Loyalty.Monetary, summary.Loyalty.Tier));

        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Published.Select<OrderPlaced>(x => x.Context.Message.ContactId == contact).Count() == 2), "both OrderPlaced published");
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LoyaltyTierChanged>(x => x.Context.Message.ContactId == contact && x.Context.Message.ToTier == "bronze"), "LoyaltyTierChanged to bronze");
        var timeline = await Store.FindAsync(TimelineQueries.NewestFirst(contact, 10));
        Assert.Contains(timeline, t => t.Type == TimelineEntries.OrderPlacedType && t.Summary == "Order SHOP-1 placed: 129.90 EUR, 1 line, via web");

        var page = await client.GetFromJsonAsync<Page<OrderResponse>>($"/api/contacts/{contact}/orders?limit=1", CrmClient.JsonOptions);
        Assert.Equal("SHOP-2", Assert.Single(page!.Items).Reference);
        var next = await client.GetFromJsonAsync<Page<OrderResponse>>($"/api/contacts/{contact}/orders?limit=1&cursor={page.NextCursor}", CrmClient.JsonOptions);
        Assert.Equal("SHOP-1", Assert.Single(next!.Items).Reference);
        if (next.NextCursor is not null)
        {
            Assert.Empty((await client.GetFromJsonAsync<Page<OrderResponse>>($"/api/contacts/{contact}/orders?limit=1&cursor={next.NextCursor}", CrmClient.JsonOptions))!.Items);
        }
    }

    [Fact]
    public async Task A_second_report_of_an_order_is_a_409_naming_it_and_changes_nothing()
    {
        var contact = await NewContactAsync();
        var client = factory.CreateClient();
        using var first = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", Order("POS-7", "10.00"), CrmClient.JsonOptions);
        var order = await ReadAsync<OrderResponse>(first, HttpStatusCode.Created);

        using var again = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", Order("POS-7", "99.00"), CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var problem = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        Assert.Equal(order.Id, problem.RootElement.GetProperty("orderId").GetString());

        var summary = await client.GetFromJsonAsync<CustomerSummaryResponse>($"/api/contacts/{contact}/summary", CrmClient.JsonOptions);
        Assert.Equal((1, "10.00"), (summary!.Orders, Assert.Single(summary.TotalSpent).Amount));
    }

    [Fact]
    public async Task Bad_orders_name_every_field_unknown_contacts_are_404_and_a_rep_reads_only_their_contacts_orders()
    {
        var contact = await NewContactAsync();
        var client = factory.CreateClient();
        using (var bad = await client.PostAsync($"/api/contacts/{contact}/orders", new StringContent("""
            { "reference": "", "amount": { "amount": "-1", "currency": "EUR" }, "channel": "Shop!", "items": [ { "name": "x", "quantity": 0 } ] }
            """, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(["amount", "channel", "items[0].quantity", "reference"], await ErrorFieldsAsync(bad));
        }

        using (var unknown = await client.PostAsJsonAsync($"/api/contacts/nobody-{Guid.NewGuid():N}/orders", Order("A", "1.00"), CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var badPaging = await client.GetAsync($"/api/contacts/{contact}/orders?limit=0&sort=x"))
        {
            Assert.Equal(["limit", "sort"], await ErrorFieldsAsync(badPaging));
        }

        await _api.AssignAsync(contact, "rep-o");

        using var owner = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-o"));
        using var other = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-x"));
        // Orders come from shops and points of sale (keys with contacts:write); reps read them.
        using (var byOwner = await owner.PostAsJsonAsync($"/api/contacts/{contact}/orders", Order("REP-1", "5.00"), CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byOwner.StatusCode);
        }

        using (var byKey = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", Order("KEY-1", "5.00"), CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Created, byKey.StatusCode);
        }

        Assert.Equal("KEY-1", Assert.Single((await owner.GetFromJsonAsync<Page<OrderResponse>>($"/api/contacts/{contact}/orders", CrmClient.JsonOptions))!.Items).Reference);

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/contacts/{contact}/summary")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/contacts/{contact}/orders")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/contacts/{contact}/summary")).StatusCode);
    }

    [Fact]
    public async Task Loyalty_rules_are_validated_replaced_under_if_match_and_score_the_next_order()
    {
        var admin = factory.CreateClient();
        using (var bad = await admin.PutAsync("/api/contacts/loyalty-rules", new StringContent("""
            { "currency": "eu", "recencyDays": [30, 90], "frequencyOrders": [2, 4, 8, 16], "monetaryAmounts": ["1.00", "2.00", "3.00", "4.00"], "tiers": [] }
            """, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(["currency", "recencyDays", "tiers"], await ErrorFieldsAsync(bad));
        }

        using var current = await admin.GetAsync("/api/contacts/loyalty-rules");
        var rules = await ReadAsync<LoyaltyRulesDocument>(current, HttpStatusCode.OK);
        var etag = current.Headers.ETag!.Tag;

        // Anyone who spent 1 EUR once is "vip".
        var cheap = rules with { MonetaryAmounts = ["1.00", "2.00", "3.00", "4.00"], Tiers = [new LoyaltyTierDocument { Name = "vip", MinScore = 3 }], Version = 0 };
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/contacts/loyalty-rules") { Content = JsonContent.Create(cheap, options: CrmClient.JsonOptions) };
        put.Headers.TryAddWithoutValidation("If-Match", etag);
        using (var saved = await admin.SendAsync(put))
        {
            Assert.Equal("vip", Assert.Single((await ReadAsync<LoyaltyRulesDocument>(saved, HttpStatusCode.OK)).Tiers!).Name);
        }

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/api/contacts/loyalty-rules") { Content = JsonContent.Create(cheap, options: CrmClient.JsonOptions) };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await admin.SendAsync(stale)).StatusCode);

        using var asRep = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-r"));
        Assert.Equal(HttpStatusCode.Forbidden, (await asRep.PutAsJsonAsync("/api/contacts/loyalty-rules", cheap, CrmClient.JsonOptions)).StatusCode);

        try
        {
            var contact = await NewContactAsync();
            using var placed = await admin.PostAsJsonAsync($"/api/contacts/{contact}/orders", Order("V-1", "4.00"), CrmClient.JsonOptions);
            Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
            var summary = await admin.GetFromJsonAsync<CustomerSummaryResponse>($"/api/contacts/{contact}/summary", CrmClient.JsonOptions);
            Assert.Equal((5, "vip"), (summary!.Loyalty.Monetary, summary.Loyalty.Tier));
        }
        finally
        {
            // The class's other tests expect the default rules.
            using var restore = await admin.PutAsJsonAsync("/api/contacts/loyalty-rules", rules with { Version = 0 }, CrmClient.JsonOptions);
            Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        }
    }

    public void Dispose() => _api.Dispose();
}
