using Crm.Analytics.Customers;

namespace Crm.Analytics.Kpis;

/// <summary>The money KPIs of customer documents (pure): LTV, AOV, retention and revenue by campaign.</summary>
public static class CustomerKpis
{
    /// <summary>Average days in a month, for relationship lengths in months.</summary>
    public const decimal DaysPerMonth = 30.4375m;

    /// <summary>
    /// A customer's group: the channel, source or campaign of their first touch (their earliest lead), <c>none</c> without
    /// a lead (or campaign), <c>all</c> without grouping (segments: <see cref="GroupsOf"/>).
    /// </summary>
    public static string GroupOf(Customer customer, string? groupBy)
    {
        var first = customer.Leads.Count == 0 ? null : customer.Leads[0];
        return groupBy switch
        {
            "channel" => first?.Channel ?? "none",
            "source" => first?.Source ?? "none",
            "campaign" => first?.Campaign ?? "none",
            _ => KpiMath.All,
        };
    }

    /// <summary>A customer's groups: with <c>groupBy=segment</c> every segment they are a member of now (or <c>none</c>), else their one group.</summary>
    public static IReadOnlyList<string> GroupsOf(Customer customer, string? groupBy)
    {
        if (groupBy != SegmentGroups.GroupBy)
        {
            return [GroupOf(customer, groupBy)];
        }

        var segments = CustomerRules.CurrentSegments(customer);
        return segments.Count == 0 ? [SegmentGroups.None] : segments;
    }

    private sealed record OrderItem(Customer Customer, CustomerOrder Order);

    private static IEnumerable<OrderItem> Orders(IEnumerable<Customer> customers, string currency) =>
        customers.Where(c => c.MergedInto is null)
            .SelectMany(c => c.Orders.Where(o => o.Currency == currency).Select(o => new OrderItem(c, o)));

    /// <summary>Orders placed in the period in the currency (by day placed): count, revenue, revenue / orders.</summary>
    public static KpiTable Aov(KpiQuery query, IEnumerable<Customer> customers) =>
        KpiMath.Table(query, ["orders", "revenue", "aov"], Orders(customers, query.Currency), o => KpiMath.Day(o.Order.PlacedAt), o => GroupsOf(o.Customer, query.GroupBy), list =>
        {
            var revenue = list.Sum(o => o.Order.Value);
            return new KpiValues { ["orders"] = list.Count, ["revenue"] = revenue, ["aov"] = KpiMath.Ratio(revenue, list.Count) };
        });

    /// <summary>Orders placed in the period in the currency, grouped by the campaign of the touch (first or last lead at or before the order; <c>none</c>).</summary>
    public static KpiTable RevenueByCampaign(KpiQuery query, IEnumerable<Customer> customers) =>
        KpiMath.Table(
            query,
            ["orders", "revenue"],
            Orders(customers, query.Currency),
            o => KpiMath.Day(o.Order.PlacedAt),
            o => query.GroupBy is null ? KpiMath.All : CustomerRules.Touch(o.Customer, o.Order.PlacedAt, query.FirstTouch)?.Campaign ?? "none",
            list => new KpiValues { ["orders"] = list.Count, ["revenue"] = list.Sum(o => o.Order.Value) });

    private sealed record Cohort(Customer Customer, IReadOnlyList<CustomerOrder> Orders);

    /// <summary>
    /// LTV by cohort of first-purchase day (in the currency; the period's granularity makes it a month with
    /// granularity=month): the cohort's orders up to the period's end give avgTicket = revenue / orders; lifespanMonths =
    /// the mean over customers of max(1, (last order − first order) in days / 30.4375); frequency = orders / customers /
    /// lifespanMonths (orders per customer per month); ltv = avgTicket × frequency × lifespanMonths.
    /// </summary>
    public static KpiTable Ltv(KpiQuery query, IEnumerable<Customer> customers)
    {
        var cohorts = customers.Where(c => c.MergedInto is null)
            .Select(c => new Cohort(c, c.Orders.Where(o => o.Currency == query.Currency && o.PlacedAt < query.Until).OrderBy(o => o.PlacedAt).ToList()))
            .Where(c => c.Orders.Count > 0);
        return KpiMath.Table(query, ["customers", "orders", "revenue", "avgTicket", "frequency", "lifespanMonths", "ltv"], cohorts, c => KpiMath.Day(c.Orders[0].PlacedAt), c => GroupsOf(c.Customer, query.GroupBy), list =>
        {
            var orders = list.Sum(c => c.Orders.Count);
            var revenue = list.Sum(c => c.Orders.Sum(o => o.Value));
            var lifespan = list.Count == 0 ? 0m : list.Average(c => Math.Max(1m, (decimal)(c.Orders[^1].PlacedAt - c.Orders[0].PlacedAt).TotalDays / DaysPerMonth));
            var avgTicket = KpiMath.Ratio(revenue, orders);
            var frequency = lifespan == 0 ? null : KpiMath.Ratio(orders, list.Count * lifespan);
            return new KpiValues
            {
                ["customers"] = list.Count,
                ["orders"] = orders,
                ["revenue"] = revenue,
                ["avgTicket"] = avgTicket,
                ["frequency"] = frequency,
                ["lifespanMonths"] = list.Count == 0 ? null : lifespan,
                ["ltv"] = avgTicket * frequency * (list.Count == 0 ? null : lifespan),
            };
        });
    }

    /// <summary>
    /// Retention at the end of each period (its last day, or <c>to</c> when earlier): customers = contacts with an order
    /// (any currency) on or before that day; active = those with an order in the <c>days</c> days up to it (that day
    /// included); churned = the others; retentionRate and churnRate in % of customers. Totals: at <c>to</c>.
    /// </summary>
    public static KpiTable Retention(KpiQuery query, IEnumerable<Customer> customers)
    {
        var list = customers.Where(c => c.MergedInto is null && c.Orders.Count > 0).ToList();
        var rows = new List<KpiTableRow>();
        for (var start = KpiMath.PeriodOf(query.From, query.Granularity); start <= query.To; start = KpiMath.PeriodEnd(start, query.Granularity).AddDays(1))
        {
            var end = KpiMath.PeriodEnd(start, query.Granularity);
            var at = end < query.To ? end : query.To;
            foreach (var group in list.SelectMany(c => GroupsOf(c, query.GroupBy).Select(g => (Group: g, Customer: c))).GroupBy(x => x.Group, x => x.Customer).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var values = RetentionAt(group, at, query.Days);
                if (values["customers"] > 0)
                {
                    rows.Add(new KpiTableRow(start, group.Key, KpiMath.Rounded(values)));
                }
            }
        }

        return new KpiTable(["customers", "active", "churned", "retentionRate", "churnRate"], rows, KpiMath.Rounded(RetentionAt(list, query.To, query.Days)));
    }

    private static KpiValues RetentionAt(IEnumerable<Customer> customers, DateOnly at, int days)
    {
        var since = at.AddDays(1 - days);
        var lastOrders = customers
            .Select(c => c.Orders.Where(o => KpiMath.Day(o.PlacedAt) <= at).Select(o => KpiMath.Day(o.PlacedAt)).DefaultIfEmpty(DateOnly.MaxValue).Max())
            .Where(d => d != DateOnly.MaxValue)
            .ToList();
        var active = lastOrders.Count(d => d >= since);
        return new KpiValues
        {
            ["customers"] = lastOrders.Count,
            ["active"] = active,
            ["churned"] = lastOrders.Count - active,
            ["retentionRate"] = KpiMath.Rate(active, lastOrders.Count),
            ["churnRate"] = KpiMath.Rate(lastOrders.Count - active, lastOrders.Count),
        };
    }
}
