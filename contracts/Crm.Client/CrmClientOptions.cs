namespace Crm.Client;

/// <summary>Where the CRM gateway is, how to authenticate to it and how to retry. Used by <see cref="CrmClient.Create(CrmClientOptions, HttpMessageHandler?)"/> and <see cref="CrmClientRegistration.AddCrmClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{CrmClientOptions})"/>.</summary>
public sealed class CrmClientOptions
{
    /// <summary>The gateway's base address, e.g. <c>https://crm.example.com/</c> (the client appends <c>api/...</c>). Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// An API key (shown once when it was created), sent as <c>Authorization: Bearer &lt;key&gt;</c>. Set this or
    /// <see cref="TokenProvider"/>, not both; with neither, requests go out without credentials (and get <c>401</c>).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Returns the bearer token (e.g. a JWT) to send. Called before every attempt of every request, so a provider that
    /// caches and refreshes an expiring token is never bypassed; it should be fast when its token is still valid.
    /// Set this or <see cref="ApiKey"/>, not both.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? TokenProvider { get; set; }

    /// <summary>How 429, 503 and connection failures are retried.</summary>
    public CrmRetryOptions Retry { get; set; } = new();

    /// <summary>The clock used for <c>Retry-After</c> dates and waits between attempts (a fake one in tests). Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws <see cref="InvalidOperationException"/> when the options cannot work (no base address, two credentials, a negative limit).</summary>
    public void Validate()
    {
        if (BaseAddress is null || !BaseAddress.IsAbsoluteUri)
        {
            throw new InvalidOperationException("CrmClientOptions.BaseAddress must be an absolute URI, e.g. https://crm.example.com/.");
        }

        if (ApiKey is not null && TokenProvider is not null)
        {
            throw new InvalidOperationException("Set either CrmClientOptions.ApiKey or CrmClientOptions.TokenProvider, not both.");
        }

        if (ApiKey is { Length: 0 } || (ApiKey is not null && string.IsNullOrWhiteSpace(ApiKey)))
        {
            throw new InvalidOperationException("CrmClientOptions.ApiKey must not be empty.");
        }

        Retry.Validate();
    }

    /// <summary>The token source for the bearer handler: the API key, the provider, or none.</summary>
    internal Func<CancellationToken, ValueTask<string>>? Credential()
    {
        if (TokenProvider is not null)
        {
            return TokenProvider;
        }

        var key = ApiKey;
        return key is null ? null : _ => ValueTask.FromResult(key);
    }
}

/// <summary>
/// Retries of the client. <c>429 Too Many Requests</c> and <c>503 Service Unavailable</c> mean the request was not
/// processed, so they are retried for every request, after the server's <c>Retry-After</c> (seconds or an HTTP date)
/// or, without one, after a jittered exponential back-off. Connection failures (no response) are retried only for
/// requests that are safe to repeat: GET, HEAD, OPTIONS, PUT, DELETE, and POST or PATCH carrying an
/// <c>Idempotency-Key</c>.
/// </summary>
public sealed class CrmRetryOptions
{
    /// <summary>Attempts per call including the first (1 = never retry). Default 4.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>
    /// The longest the client waits before one retry. Default 30 s. When the server's <c>Retry-After</c> asks for
    /// more, the client does not retry and returns the 429/503 response to the caller at once (waiting less would
    /// only earn another 429). Back-off without <c>Retry-After</c> is capped at this value.
    /// </summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The back-off before the first retry when the server gives no <c>Retry-After</c>; it doubles with every
    /// further attempt (capped at <see cref="MaxDelay"/>), and each wait is drawn between half of it and all of it
    /// (jitter, so many clients do not retry in lock step). Default 500 ms.
    /// </summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Throws <see cref="InvalidOperationException"/> for values that cannot work.</summary>
    public void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new InvalidOperationException("CrmRetryOptions.MaxAttempts must be at least 1 (1 = no retries).");
        }

        if (MaxDelay < TimeSpan.Zero || BaseDelay < TimeSpan.Zero)
        {
            throw new InvalidOperationException("CrmRetryOptions.MaxDelay and BaseDelay must not be negative.");
        }
    }
}
