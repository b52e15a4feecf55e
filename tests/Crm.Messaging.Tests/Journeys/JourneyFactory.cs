using Crm.Messaging.Contacts;
using Crm.Messaging.Journeys;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Messaging.Tests.Journeys;

/// <summary>
/// Messaging in-process for the journey tests: a fake clock, timers fired only by <see cref="RunTimersAsync"/>, and an
/// in-memory Contacts (<see cref="FakeContactDirectory"/>). Each test has its own (its own clock and store).
/// </summary>
public sealed class JourneyFactory : CrmServiceFactory<MessagingEntryPoint>
{
    public JourneyFactory()
    {
        Settings["Smtp:Host"] = "";
        Settings["Smtp:PickupDirectory"] = Path.Combine(DataDirectory, "pickup");
        Settings["Timers:Enabled"] = "false";
    }

    /// <summary>Starts at the real time (so the test identities' tokens are valid until the clock is moved on).</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow.TruncateToMs());

    public FakeContactDirectory Contacts { get; } = new();

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    /// <summary>A contact with an e-mail and a phone, every channel granted, in <paramref name="zone"/>.</summary>
    public ContactCard NewContact(string? zone = null, bool email = true, bool phone = true, DateOnly? birthday = null)
    {
        var suffix = Ids.New()[^10..];
        var contact = new ContactCard($"c-{Ids.New()}", $"Ada {suffix}", email ? [$"ada.{suffix}@example.com"] : [])
        {
            Phones = phone ? ["+4915112345678"] : [],
            TimeZone = zone,
            Birthday = birthday,
            Consents = new Dictionary<string, string>(StringComparer.Ordinal) { ["email"] = "granted", ["sms"] = "granted", ["whatsapp"] = "granted" },
        };
        Contacts.Add(contact);
        return contact;
    }

    /// <summary>Fires every timer due now (as the runner would), until none is left due.</summary>
    public async Task RunTimersAsync()
    {
        var runner = Services.GetServices<IHostedService>().OfType<TimerRunner>().Single();
        while (await runner.RunDueAsync(CancellationToken.None) > 0)
        {
        }
    }

    /// <summary>Moves the clock on by <paramref name="by"/> and fires what is due.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await RunTimersAsync();
    }

    /// <summary>Publishes <paramref name="e"/> and waits until the journeys' queue of its type (<c>messaging-journeys-*</c>) committed it (its inbox record).</summary>
    public async Task PublishAsync<T>(T e)
        where T : class
    {
        var messageId = Guid.NewGuid();
        await Harness.Bus.Publish(e, MassTransit.Pipe.Execute<MassTransit.PublishContext<T>>(context => context.MessageId = messageId));
        var queue = "messaging-journeys-" + System.Text.RegularExpressions.Regex.Replace(typeof(T).Name, "(?<!^)([A-Z])", "-$1").ToLowerInvariant();
        await Poll.UntilAsync(
            async () => await Store.GetAsync(PlatformCollections.Inbox, new Crm.ServiceDefaults.Messaging.InboxKey(messageId.ToString("N"), queue).Id) is not null,
            $"{typeof(T).Name} committed by {queue}",
            TimeSpan.FromSeconds(30));
    }

    /// <summary>The messages the contact's journey enrollments queued (whatever became of them), oldest first.</summary>
    public async Task<IReadOnlyList<Message>> JourneyMessagesAsync(string contactId)
    {
        var ids = (await EnrollmentsAsync(contactId)).SelectMany(e => e.MessageIds).ToList();
        return [.. (await Store.GetManyAsync(MessageCollections.Messages, ids)).OrderBy(m => m.Id, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<JourneyEnrollment>> EnrollmentsAsync(string contactId) => await Store.FindAsync(JourneyQueries.OfContact(contactId));

    /// <summary>The contact's messages (queued or finished), oldest first.</summary>
    public async Task<IReadOnlyList<Message>> MessagesAsync(string contactId) =>
        [.. (await Store.FindAsync(MessageQueries.OfContact(contactId))).OrderBy(m => m.Id, StringComparer.Ordinal)];

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(Time);
        services.RemoveAll<IContactDirectory>();
        services.AddSingleton<IContactDirectory>(Contacts);
    }
}
