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

/// <summary>Contacts as the tests declare them.</summary>
public sealed class FakeContactDirectory : IContactDirectory
{
    private readonly ConcurrentDictionary<string, ContactCard> _contacts = new(StringComparer.Ordinal);

    public void Add(ContactCard contact) => _contacts[contact.Id] = contact;

    /// <summary>Awaited before each answer (with the contact id): a test holds look-ups to line up concurrent sends.</summary>
    public Func<string, Task>? BeforeAnswer { get; set; }

    public async Task<ContactCard?> GetContactAsync(string contactId, CancellationToken cancellationToken = default)
    {
        if (BeforeAnswer is { } before)
        {
            await before(contactId);
        }

        return _contacts.GetValueOrDefault(contactId);
    }
}
