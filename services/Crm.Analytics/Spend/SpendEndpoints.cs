using Crm.Contracts.Api;
using Crm.Contracts.Api.Analytics;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Spend;

public static class SpendEndpoints
{
    public static RouteGroupBuilder MapSpendEndpoints(this RouteGroupBuilder group)
    {
        group.MapPut("/spend", PutAsync)
            .RequireAccess(Access.Write)
            .WithName("PutAnalyticsSpend")
            .WithSummary("Enter acquisition spend")
            .WithDescription("The money spent on one channel (`channel`) or one campaign (`campaign`) in one calendar month (`period`, yyyy-MM), as " +
                "`amount` (`{ \"amount\": \"1200.00\", \"currency\": \"EUR\" }`). Replaces what was entered for that channel or campaign and month (PUT: " +
                "sending it again changes nothing). CAC (`GET /api/analytics/kpis/cac`) divides it by the leads won. 400 names every bad field (both or " +
                "neither of channel and campaign, a bad month, a bad amount). Needs `analytics:write` (managers, admins, API keys with the scope).")
            .WithRequestExample(new SpendRequest { Channel = "ads", Period = "2026-11", Amount = new Money { Amount = "1200.00", Currency = "EUR" } })
            .Produces<SpendResponse>()
            .ProducesValidationProblem();
        return group;
    }

    private static SpendResponse PutAsync(SpendRequest request, HttpContext http, UnitOfWork unit)
    {
        var entry = SpendRules.Validate(request, unit.Now, http.Caller()?.ToActor().Id);
        unit.Put(SpendCollections.Spend, entry);
        return entry.ToResponse();
    }
}
