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
        services.RemoveAll<Crm.Messaging.Conversations.IContactResolver>();
        services.AddSingleton<Crm.Messaging.Conversations.IContactResolver>(Contacts);
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

/// <summary>Contacts as the tests declare them; <see cref="ResolveAsync"/> finds a contact by e-mail or phone, or creates one (as Contacts' ResolveContact does).</summary>
public sealed class FakeContactDirectory : IContactDirectory, Crm.Messaging.Conversations.IContactResolver
{
    private readonly ConcurrentDictionary<string, ContactCard> _contacts = new(StringComparer.Ordinal);
    private readonly Lock _resolving = new();

    public void Add(ContactCard contact) => _contacts[contact.Id] = contact;

    public Task<ContactCard?> GetContactAsync(string contactId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_contacts.GetValueOrDefault(contactId));

    public Task<string?> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default)
    {
        lock (_resolving)
        {
            var found = _contacts.Values.FirstOrDefault(c =>
                (email is not null && c.Emails.Contains(email, StringComparer.OrdinalIgnoreCase)) || (phone is not null && c.Phones.Contains(phone, StringComparer.Ordinal)));
            if (found is null)
            {
                found = new ContactCard($"c-{Ids.New()}", name, email is null ? [] : [email]) { Phones = phone is null ? [] : [phone] };
                Add(found);
            }

            return Task.FromResult<string?>(found.Id);
        }
    }
}
