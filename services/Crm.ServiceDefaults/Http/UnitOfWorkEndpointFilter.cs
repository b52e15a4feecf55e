using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.ServiceDefaults.Http;

/// <summary>
/// Every request of an API group runs in a <see cref="UnitOfWork"/>: the handler reads and collects writes and
/// events, and this filter commits them before the response is written. Nothing is committed when the handler
/// answers an error (4xx / 5xx). When a commit (this filter's or one the handler made itself) meets a concurrent
/// change (<see cref="ConcurrencyException"/>) before anything of the attempt was committed, the handler runs again
/// on fresh data, up to three times; then the conflict becomes a 409.
/// </summary>
public sealed class UnitOfWorkEndpointFilter : IEndpointFilter
{
    public const int MaxAttempts = 3;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var unit = context.HttpContext.RequestServices.GetRequiredService<UnitOfWork>();
        for (var attempt = 1; ; attempt++)
        {
            unit.Discard();
            var commitsBefore = unit.Commits;
            try
            {
                var result = await next(context);
                if (result is IStatusCodeHttpResult { StatusCode: >= 400 } || context.HttpContext.Response.StatusCode >= 400)
                {
                    return result;
                }

                await unit.CommitAsync(context.HttpContext.RequestAborted);
                return result;
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts && unit.Commits == commitsBefore)
            {
                // Run the handler again on what the concurrent writer committed.
            }
        }
    }
}

public static class UnitOfWorkEndpoints
{
    /// <summary>Runs every endpoint of the group in a unit of work committed by <see cref="UnitOfWorkEndpointFilter"/>.</summary>
    public static RouteGroupBuilder WithUnitOfWork(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter<UnitOfWorkEndpointFilter>();
        return group;
    }
}
