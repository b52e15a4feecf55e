using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Crm.Contacts.Tests.Contacts;

/// <summary>The retry after a lost race: once, and only for a unique violation or a version conflict.</summary>
public sealed class ContactResolverTests
{
    private static readonly ResolveCommand Command = new() { Email = "a@b.cd" };

    private static readonly ResolveOutcome Outcome = new(
        new Contact { Id = "c1", Emails = ["a@b.cd"], CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch, Version = 1 },
        Created: false,
        Changed: false);

    [Theory]
    [InlineData(typeof(IdentityConflictException))]
    [InlineData(typeof(ConcurrencyException))]
    public async Task A_lost_race_is_resolved_once_more(Type failure)
    {
        var store = new ScriptedStore((Exception)Activator.CreateInstance(failure, "lost the race")!);

        var outcome = await new ContactResolver(store, NullLogger<ContactResolver>.Instance).ResolveAsync(Command);

        Assert.Same(Outcome, outcome);
        Assert.Equal(2, store.Calls);
    }

    [Fact]
    public async Task A_second_lost_race_is_not_retried_again()
    {
        var store = new ScriptedStore(new IdentityConflictException("first"), new IdentityConflictException("second"));

        var ex = await Assert.ThrowsAsync<IdentityConflictException>(() => new ContactResolver(store, NullLogger<ContactResolver>.Instance).ResolveAsync(Command));

        Assert.Equal("second", ex.Message);
        Assert.Equal(2, store.Calls);
    }

    [Fact]
    public async Task Other_failures_are_not_retried()
    {
        var store = new ScriptedStore(new InvalidOperationException("broken"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => new ContactResolver(store, NullLogger<ContactResolver>.Instance).ResolveAsync(Command));

        Assert.Equal(1, store.Calls);
    }

    /// <summary>Throws the given exceptions on the first calls of ResolveAsync, then answers <see cref="Outcome"/>.</summary>
    private sealed class ScriptedStore(params Exception[] failures) : IContactStore
    {
        public int Calls { get; private set; }

        public Task<ResolveOutcome> ResolveAsync(ResolveCommand command, CancellationToken cancellationToken = default)
        {
            Calls++;
            return Calls <= failures.Length ? Task.FromException<ResolveOutcome>(failures[Calls - 1]) : Task.FromResult(Outcome);
        }

        public Task<Contact?> GetAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Contact?> FindByIdentityAsync(ContactIdentity identity, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> AppendTimelineAsync(InboxKey inbox, TimelineItem item, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<TimelineItem>> GetTimelineAsync(string contactId, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
