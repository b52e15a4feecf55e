using System.Collections.Concurrent;
using Crm.Messaging.Contacts;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        await Poll.UntilAsync(
            async () => (await Store.FindAsync(MessageQueries.OfLeadAndTemplate(assigned.LeadId, "welcome"))) is [{ Status: not "sending" }],
            "the welcome to be sent",
            TimeSpan.FromSeconds(30));
        return assigned;
    }

    /// <summary>The service's store, to read what it committed (through the document layer, never raw SQL).</summary>
    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    private IEmailSender? _sender;

    /// <summary>Sends through <paramref name="sender"/> instead of the configured transport.</summary>
    public void ReplaceEmailSender(IEmailSender sender) => _sender = sender;

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IContactDirectory>();
        services.AddSingleton<IContactDirectory>(Contacts);
        services.RemoveAll<IContactResolver>();
        services.AddSingleton<IContactResolver>(Contacts);
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

/// <summary>Contacts as the tests declare them; <see cref="FailNext"/> makes it unavailable for that many calls.</summary>
public sealed class FakeContactDirectory : IContactDirectory, IContactResolver
{
    private readonly ConcurrentDictionary<string, ContactCard> _contacts = new(StringComparer.Ordinal);
    private int _failures;

    public void Add(ContactCard contact) => _contacts[contact.Id] = contact;

    /// <summary>The next <paramref name="calls"/> calls fail as a Contacts that is down (gRPC UNAVAILABLE).</summary>
    public void FailNext(int calls) => Interlocked.Exchange(ref _failures, calls);

    public Task<ContactCard?> GetContactAsync(string contactId, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return Task.FromResult(_contacts.GetValueOrDefault(contactId));
    }

    /// <summary>Finds the contact with that phone (exactly as stored), else creates one; a number without a digit is refused.</summary>
    public Task<PhoneResolution> ResolvePhoneAsync(string phone, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        if (!phone.Any(char.IsAsciiDigit))
        {
            return Task.FromResult(new PhoneResolution(null, null, "phone: not a phone number."));
        }

        var normalized = "+" + new string(phone.Where(char.IsAsciiDigit).ToArray());
        var contact = _contacts.Values.FirstOrDefault(c => c.Phones.Contains(normalized, StringComparer.Ordinal));
        if (contact is null)
        {
            contact = new ContactCard($"c-{Ids.New()}", null, []) { Phones = [normalized] };
            Add(contact);
        }

        return Task.FromResult(new PhoneResolution(contact.Id, normalized, null));
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
