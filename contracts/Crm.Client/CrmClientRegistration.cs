using Crm.Client.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Refit;

namespace Crm.Client;

/// <summary>Registers <see cref="ICrmApi"/> as a typed client of <c>IHttpClientFactory</c>.</summary>
public static class CrmClientRegistration
{
    /// <summary>
    /// Registers <see cref="ICrmApi"/> (transient, over <c>IHttpClientFactory</c>'s pooled handlers) with the client's
    /// pipeline: <c>Idempotency-Key</c> for captures, retries, bearer authentication.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets base address, credential and retries (validated when the first client is built).</param>
    /// <returns>The <see cref="IHttpClientBuilder"/>, to add handlers (they run inside the retries) or configure the primary handler.</returns>
    public static IHttpClientBuilder AddCrmClient(this IServiceCollection services, Action<CrmClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddCrmClient((_, options) => configure(options));
    }

    /// <summary>As <see cref="AddCrmClient(IServiceCollection, Action{CrmClientOptions})"/>, with the service provider at hand (e.g. to take a token provider from it).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets base address, credential and retries, given the application's services.</param>
    /// <returns>The <see cref="IHttpClientBuilder"/> of the typed client.</returns>
    public static IHttpClientBuilder AddCrmClient(this IServiceCollection services, Action<IServiceProvider, CrmClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CrmClientOptions>()
            .Configure<IServiceProvider>((options, provider) => configure(provider, options))
            .Validate(
                options =>
                {
                    options.Validate();
                    return true;
                });

        return services.AddRefitGeneratedClient<ICrmApi>(CrmClient.Settings)
            .ConfigureHttpClient((provider, http) => http.BaseAddress = Options(provider).BaseAddress)
            .AddHttpMessageHandler(() => new IdempotencyKeyHandler())
            .AddHttpMessageHandler(provider => new RetryHandler(Options(provider).Retry, Options(provider).TimeProvider))
            .AddHttpMessageHandler(provider => new BearerTokenHandler(Options(provider).Credential()));
    }

    private static CrmClientOptions Options(IServiceProvider provider) => provider.GetRequiredService<IOptions<CrmClientOptions>>().Value;
}
