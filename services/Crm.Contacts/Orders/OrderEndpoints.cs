using Crm.Contacts.Ownership;
using Crm.Contacts.Timeline;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Contacts.Orders;

/// <summary>
/// Orders reported by shops and points of sale, the behavioural summary kept from them, and the loyalty rules:
/// <c>/api/contacts/{id}/orders</c>, <c>/api/contacts/{id}/summary</c>, <c>/api/contacts/loyalty-rules</c>.
/// </summary>
public static class OrderEndpoints
{
    public static RouteGroupBuilder MapOrderEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/orders", PlaceAsync)
            .WithName("PlaceOrder")
            .WithSummary("Report an order")
            .WithDescription("Records an order of the contact (one per contact and `reference`: a second report of it is a 409 naming the order already recorded), " +
                "publishes `OrderPlaced`, adds it to the timeline and scores the contact again (RFM and loyalty tier; `LoyaltyTierChanged` when the tier moves). " +
                "Every bad field is named at once (400). A rep only for a contact of one of their leads (else 404).")
            .WithParameterDescription("id", "The contact's id.")
            .WithRequestExample(new PlaceOrderRequest
            {
                Reference = "SHOP-100234",
                Amount = new Money { Amount = "129.90", Currency = "EUR" },
                Channel = "web",
                Items = [new OrderItemDocument { Sku = "TSH-RED-M", Name = "T-shirt red M", Quantity = 2, UnitPrice = new Money { Amount = "64.95", Currency = "EUR" } }],
            })
            .Produces<OrderResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id}/orders", ListAsync)
            .WithName("ListOrders")
            .WithSummary("List a contact's orders")
            .WithDescription("Newest placed first. Cursor paging (`limit` 1..500, default 50; `cursor` from `nextCursor`).")
            .WithParameterDescription("id", "The contact's id.")
            .Produces<Page<OrderResponse>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/summary", SummaryAsync)
            .WithName("GetCustomerSummary")
            .WithSummary("Get a contact's behavioural summary")
            .WithDescription("Orders, first and last order, total spent and average order value per currency, last message and interaction, " +
                "and the RFM scores and loyalty tier as of now (recency ages without an order). A contact without orders or messages has an empty summary.")
            .WithParameterDescription("id", "The contact's id.")
            .Produces<CustomerSummaryResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/loyalty-rules", GetRulesAsync)
            .WithName("GetLoyaltyRules")
            .WithSummary("Get the loyalty rules")
            .WithDescription("RFM thresholds and tiers. Defaults: recency 30/90/180/365 days, frequency 2/4/8/16 orders, monetary 100/500/1,000/5,000 EUR; gold from 13, silver from 10, bronze from 6. The `ETag` is the version.")
            .Produces<LoyaltyRulesDocument>();
        group.MapPut("/loyalty-rules", PutRulesAsync)
            .RequireAccess(Access.Admin)
            .WithName("SetLoyaltyRules")
            .WithSummary("Replace the loyalty rules")
            .WithDescription("Validated field by field (400 naming every bad field). Each contact is scored with the new rules at their next order, message or recency step. `If-Match` with the current version guards against lost updates (412). Needs `contacts:admin`.")
            .WithParameterDescription("If-Match", "Replace only this version; `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(LoyaltyRules.Default.ToDocument() with { Version = 0 })
            .Produces<LoyaltyRulesDocument>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    private static async Task<IResult> PlaceAsync(string id, PlaceOrderRequest request, UnitOfWork unit, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var order = OrderInput.Parse(request, Ids.New(), id, unit.Now, errors);
        errors.ThrowIfAny();
        if (await ContactAccess.VisibleContactAsync(store, http, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        Order recorded;
        try
        {
            recorded = await RecordAsync(unit, order!, cancellationToken);
        }
        catch (DuplicateKeyException ex) when (ex.Collection == OrderCollections.Orders.Name)
        {
            var matches = await store.FindAsync(OrderQueries.ByReference(id, order!.Reference), cancellationToken);
            var known = matches.Count > 0 ? matches[0] : null;
            return Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Order already recorded.",
                detail: $"The contact's order '{order.Reference}' is already recorded" + (known is null ? "." : $" as {known.Id}."),
                extensions: new Dictionary<string, object?> { ["orderId"] = known?.Id });
        }

        return Results.Created($"/api/contacts/{id}/orders/{recorded.Id}", recorded.ToResponse());
    }

    /// <summary>The order, the contact's summary scored again, <c>OrderPlaced</c> and the timeline entry, in one commit (run again when another write to the summary won).</summary>
    private static Task<Order> RecordAsync(UnitOfWork unit, Order order, CancellationToken cancellationToken) =>
        unit.RunAsync(
            async () =>
            {
                var current = await unit.GetAsync(OrderCollections.Summaries, order.ContactId, cancellationToken);
                var summary = (current ?? CustomerSummary.Empty(order.ContactId)).With(order);
                unit.Insert(OrderCollections.Orders, order);
                var saved = Loyalty.Save(unit, current, summary, await Loyalty.RulesAsync(unit, cancellationToken));
                var placed = new OrderPlaced
                {
                    EventId = Guid.NewGuid(),
                    OccurredAt = unit.Now,
                    OrderId = order.Id,
                    ContactId = order.ContactId,
                    Reference = order.Reference,
                    Amount = MoneyValues.Format(Cents.ToAmount(order.AmountCents)),
                    Currency = order.Currency,
                    Channel = order.Channel,
                    PlacedAt = order.PlacedAt,
                    Items = order.Items.Count,
                    OrdersSoFar = saved.Orders,
                };
                unit.Publish(placed);
                unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(placed, unit.Now));
                return order;
            },
            raceOn: OrderCollections.Summaries,
            cancellationToken: cancellationToken);

    private static async Task<IResult> ListAsync(string id, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var q = http.Request.Query;
        var errors = new ValidationErrors();
        foreach (var unknown in q.Keys.Where(k => k is not ("limit" or "cursor")))
        {
            errors.Add(unknown, "Unknown filter.");
        }

        var take = Paging.Limit(q["limit"], errors);
        var query = Paging.StartAfter(OrderQueries.OfContact(id), q["cursor"], errors);
        errors.ThrowIfAny();
        if (await ContactAccess.VisibleContactAsync(store, http, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<OrderResponse> { Items = [.. page.Items.Select(o => o.ToResponse())], NextCursor = page.NextCursor });
    }

    private static async Task<IResult> SummaryAsync(string id, HttpContext http, IDocumentStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await ContactAccess.VisibleContactAsync(store, http, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var summary = await store.GetAsync(OrderCollections.Summaries, id, cancellationToken) ?? CustomerSummary.Empty(id);
        var rules = await store.GetAsync(OrderCollections.LoyaltyRules, LoyaltyRules.DocumentId, cancellationToken) ?? LoyaltyRules.Default;
        return Results.Ok(summary.ToResponse(time.GetUtcNow(), rules));
    }

    private static Task<IResult> GetRulesAsync(IDocumentStore store, HttpContext http, CancellationToken cancellationToken) =>
        SettingsDocuments.GetAsync(store, http, OrderCollections.LoyaltyRules, LoyaltyRules.DocumentId, LoyaltyRules.Default, r => r.ToDocument(), cancellationToken);

    private static Task<IResult> PutRulesAsync(LoyaltyRulesDocument request, [FromHeader(Name = "If-Match")] string? ifMatch, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = LoyaltyRules.Parse(request, errors);
        errors.ThrowIfAny();
        return SettingsDocuments.PutAsync(unit, http, ifMatch, "loyalty rules", OrderCollections.LoyaltyRules, LoyaltyRules.DocumentId, version => parsed! with { Version = version }, r => r.ToDocument(), cancellationToken);
    }

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Contact not found.", detail: $"No contact has the id '{id}'.");
}
