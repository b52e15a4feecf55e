using System.Collections.Concurrent;
using Crm.Messaging.Contacts;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Messaging.Tests;

/// <summary>Messaging in-process: SQLite, the MassTransit harness, an in-memory Contacts and the pickup folder in a temp dir.</summary>
public sealed class MessagingApiFactory : CrmServiceFactory<MessagingEntryPoint>
{
    private readonly TempDirectory _pickup = new("crm-messaging-pickup");

    public MessagingApiFactory()
    {
        Settings["Smtp:Host"] = "";
        Settings["Smtp:PickupDirectory"] = _pickup.Path;
    }

    /// <summary>Sends to a real SMTP server at <paramref name="smtpPort"/> on loopback instead of the pickup folder.</summary>
    public static MessagingApiFactory WithSmtpServer(int smtpPort)
    {
        var factory = new MessagingApiFactory();
        factory.Settings["Smtp:Host"] = "127.0.0.1";
        factory.Settings["Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        factory.Settings["Smtp:From"] = "CRM <no-reply@crm.test>";
        return factory;
    }

    /// <summary>
    /// On a fake clock starting at <paramref name="start"/> (<see cref="Time"/>), timers fired only by
    /// <see cref="RunTimersAsync"/>: a test decides when a delayed message is due. (The identity tokens are checked
    /// against the real clock, so clients work whatever the fake one says.)
    /// </summary>
    public static MessagingApiFactory WithFakeClock(DateTimeOffset start)
    {
        var factory = new MessagingApiFactory { Time = new FakeTimeProvider(start) };
        factory.Settings["Timers:Enabled"] = "false";
        return factory;
    }

    /// <summary>The fake clock (<see cref="WithFakeClock"/>), else null (the system clock).</summary>
    public FakeTimeProvider? Time { get; private init; }

    /// <summary>Fires every timer due now (as the runner would), until none is left due.</summary>
    public async Task RunTimersAsync()
    {
        var runner = Services.GetServices<IHostedService>().OfType<TimerRunner>().Single();
        while (await runner.RunDueAsync(CancellationToken.None) > 0)
        {
        }
    }

    public FakeContactDirectory Contacts { get; } = new();

    /// <summary>Contacts' consent fence: grants every hold unless told to refuse (<see cref="FakeSendFence.Refuse"/>).</summary>
    public FakeSendFence Fence { get; } = new();

    public string PickupDirectory => _pickup.Path;

    /// <summary>A new person Contacts knows (<see cref="Contacts"/>): <paramref name="firstName"/> and a unique suffix, one e-mail.</summary>
    public ContactCard NewContact(string firstName = "Ada")
    {
        var suffix = Ids.New()[^10..];
        var contact = new ContactCard($"c-{Ids.New()}", $"{firstName} {suffix}", [$"{firstName.ToLowerInvariant()}.{suffix}@example.com"]);
        Contacts.Add(contact);
        return contact;
    }

    /// <summary>A new hot lead of the contact assigned to rep-1 (Grace Hopper).</summary>
    public static Crm.Contracts.Assignment.LeadAssigned NewLeadAssigned(string contactId) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        LeadId = $"l-{Ids.New()}",
        ContactId = contactId,
        RepId = "rep-1",
        RepName = "Grace Hopper",
        Grade = "hot",
        Score = 25,
    };

    /// <summary>A welcome sent for a lead of <paramref name="rep"/> of <paramref name="team"/> to a new contact.</summary>
    public async Task<Crm.Contracts.Assignment.LeadAssigned> WelcomedAsync(string rep, string? team)
    {
        var suffix = Ids.New()[^10..];
        var contact = new ContactCard($"c-{Ids.New()}", $"Owner {suffix}", [$"owner.{suffix}@example.com"]);
        Contacts.Add(contact);
        var assigned = new Crm.Contracts.Assignment.LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            LeadId = $"l-{Ids.New()}",
            ContactId = contact.Id,
            RepId = rep,
            RepName = rep,
            TeamId = team,
        };
        await Harness.Bus.Publish(assigned);
        await WelcomeFinishedAsync(assigned.LeadId);
        return assigned;
    }

    /// <summary>
    /// Waits until the welcome of <paramref name="leadId"/> is finished (sent, picked-up, skipped, suppressed, failed): the
    /// LeadAssigned consumer queues it, the send path (<c>SendQueuedMessage</c>) finishes it.
    /// </summary>
    public Task<Message> WelcomeFinishedAsync(string leadId) =>
        Poll.ForAsync(
            async () => (await Store.FindAsync(MessageQueries.OfLeadAndTemplate(leadId, "welcome"))) is [{ Status: not ("queued" or "sending" or "delayed") } m] ? m : null,
            $"the welcome of {leadId} to be finished",
            TimeSpan.FromSeconds(30));

    /// <summary>The service's store, to read what it committed (through the document layer, never raw SQL).</summary>
    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    private IEmailSender? _sender;

    /// <summary>Sends through <paramref name="sender"/> instead of the configured transport.</summary>
    public void ReplaceEmailSender(IEmailSender sender) => _sender = sender;

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IContactDirectory>();
        services.AddSingleton<IContactDirectory>(Contacts);
        if (Time is not null)
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
        }

        services.RemoveAll<IContactResolver>();
        services.AddSingleton<IContactResolver>(Contacts);
        services.RemoveAll<ISendFence>();
        services.AddSingleton<ISendFence>(Fence);
        if (_sender is not null)
        {
            services.RemoveAll<IEmailSender>();
            services.AddSingleton(_sender);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _pickup.Dispose();
        }
    }
}

/// <summary>Contacts as the tests declare them; <see cref="ResolveAsync"/> finds or creates a contact by e-mail or phone; <see cref="FailNext"/> makes it unavailable for that many calls.</summary>
public sealed class FakeContactDirectory : IContactDirectory, IContactResolver
{
    private readonly ConcurrentDictionary<string, ContactCard> _contacts = new(StringComparer.Ordinal);
    private readonly Lock _resolving = new();
    private int _failures;

    public void Add(ContactCard contact) => _contacts[contact.Id] = contact;

    /// <summary>Awaited before each answer (with the contact id): a test holds look-ups to line up concurrent sends.</summary>
    public Func<string, Task>? BeforeAnswer { get; set; }

    /// <summary>The next <paramref name="calls"/> calls fail as a Contacts that is down (gRPC UNAVAILABLE).</summary>
    public void FailNext(int calls) => Interlocked.Exchange(ref _failures, calls);

    public async Task<ContactCard?> GetContactAsync(string contactId, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        if (BeforeAnswer is { } before)
        {
            await before(contactId);
        }

        return _contacts.GetValueOrDefault(contactId);
    }

    /// <summary>
    /// Finds the contact with that e-mail (any case) or phone (its digits, as E.164), else creates one, as Contacts'
    /// ResolveContact does; a number without a digit is refused; while down (<see cref="FailNext"/>), Contacts does not answer.
    /// </summary>
    public Task<ContactResolution> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default)
    {
        try
        {
            ThrowIfDown();
        }
        catch (Grpc.Core.RpcException ex)
        {
            throw new Crm.ServiceDefaults.Messaging.DependencyUnavailableException("Contacts is down (test).", ex);
        }

        if (phone is not null && !phone.Any(char.IsAsciiDigit))
        {
            return Task.FromResult(new ContactResolution(null, null, "phone: not a phone number."));
        }

        var normalized = phone is null ? null : "+" + new string(phone.Where(char.IsAsciiDigit).ToArray());
        lock (_resolving)
        {
            var contact = _contacts.Values.FirstOrDefault(c =>
                (email is not null && c.Emails.Contains(email, StringComparer.OrdinalIgnoreCase)) || (normalized is not null && c.Phones.Contains(normalized, StringComparer.Ordinal)));
            if (contact is null)
            {
                contact = new ContactCard($"c-{Ids.New()}", name, email is null ? [] : [email]) { Phones = normalized is null ? [] : [normalized] };
                Add(contact);
            }

            return Task.FromResult(new ContactResolution(contact.Id, normalized, null));
        }
    }

    private void ThrowIfDown()
    {
        for (var left = Volatile.Read(ref _failures); left > 0; left = Volatile.Read(ref _failures))
        {
            if (Interlocked.CompareExchange(ref _failures, left - 1, left) == left)
            {
                throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "Contacts is down (test)."));
            }
        }
    }
}

/// <summary>Contacts' consent fence as the tests declare it: every hold granted (30 s) and recorded, unless refused for a contact.</summary>
public sealed class FakeSendFence : ISendFence
{
    private readonly ConcurrentDictionary<string, string> _refusals = new(StringComparer.Ordinal);

    /// <summary>Holds granted (contact, hold id) and not released yet.</summary>
    public ConcurrentDictionary<string, string> Open { get; } = new(StringComparer.Ordinal);

    /// <summary>Holds released, by hold id.</summary>
    public ConcurrentBag<string> Released { get; } = [];

    /// <summary>From now on BeginSend for <paramref name="contactId"/> is refused with <paramref name="reason"/>.</summary>
    public void Refuse(string contactId, string reason) => _refusals[contactId] = reason;

    public Task<SendHoldGrant> BeginSendAsync(string contactId, string channel, string purpose, string messageId, CancellationToken cancellationToken)
    {
        if (_refusals.TryGetValue(contactId, out var reason))
        {
            return Task.FromResult(new SendHoldGrant(false, reason, null, TimeSpan.Zero));
        }

        var holdId = $"hold-{messageId}";
        Open[holdId] = contactId;
        return Task.FromResult(new SendHoldGrant(true, null, holdId, TimeSpan.FromSeconds(30)));
    }

    public Task EndSendAsync(string contactId, string holdId, CancellationToken cancellationToken)
    {
        Open.TryRemove(holdId, out _);
        Released.Add(holdId);
        return Task.CompletedTask;
    }
}
