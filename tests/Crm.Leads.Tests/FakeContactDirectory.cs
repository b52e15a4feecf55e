using System.Collections.Concurrent;
using Crm.Leads.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Tests;

/// <summary>
/// An in-memory stand-in for Contacts' gRPC <c>ResolveContact</c>, FOR THE API TESTS ONLY: it normalises roughly
/// like Contacts does (e-mail lower-cased, phone to E.164 with +49 as default region, find-or-create by either
/// identity). The real gRPC path (GrpcContactDirectory against the real Contacts service) is covered by the
/// system test. Magic values: a phone with letters is rejected like Contacts' INVALID_ARGUMENT "phone: ...";
/// an e-mail at <c>unavailable.test</c> behaves like Contacts being down, and so does any e-mail between
/// <see cref="TakeDown"/> and <see cref="BringBack"/> (an outage that ends).
/// </summary>
public sealed class FakeContactDirectory : IContactDirectory
{
    public const string UnavailableDomain = "@unavailable.test";

    private readonly ConcurrentDictionary<string, string> _contacts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _down = new(StringComparer.Ordinal);
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    private int _answered;

    /// <summary>Resolve calls Contacts answered (pending leads of other tests retry unanswered calls in the background).</summary>
    public int AnsweredCalls => Volatile.Read(ref _answered);

    private readonly ConcurrentDictionary<string, int> _callsByEmail = new(StringComparer.Ordinal);

    /// <summary>Resolve calls for this e-mail (as normalised): other tests' pending leads retry in the background.</summary>
    public int CallsFor(string email) => _callsByEmail.GetValueOrDefault(email.Trim().ToLowerInvariant());

    /// <summary>Told of every unavailability, as <see cref="GrpcContactDirectory"/> tells it.</summary>
    public ContactsOutage Outage { get; } = new();

    /// <summary>Contacts is unavailable for this e-mail until <see cref="BringBack"/>.</summary>
    public void TakeDown(string email) => _down[email.Trim().ToLowerInvariant()] = true;

    public void BringBack(string email) => _down.TryRemove(email.Trim().ToLowerInvariant(), out _);

    public Task<ResolvedContact> ResolveAsync(string? name, string? email, string? phone, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        var normalizedEmail = string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant();
        if (normalizedEmail is not null)
        {
            _callsByEmail.AddOrUpdate(normalizedEmail, 1, (_, n) => n + 1);
        }

        if (normalizedEmail is not null && (normalizedEmail.EndsWith(UnavailableDomain, StringComparison.Ordinal) || _down.ContainsKey(normalizedEmail)))
        {
            Outage.Seen();
            throw new ContactsUnavailableException("Contacts answered Unavailable.");
        }

        Interlocked.Increment(ref _answered);
        var normalizedPhone = phone is null ? null : NormalizePhone(phone);

        // Find-or-create is one step, as Contacts' unique identity index makes it: two items of one batch for the same
        // person are resolved at once and must come to one contact.
        lock (_resolveLock)
        {
            return Task.FromResult(FindOrCreate(normalizedEmail, normalizedPhone));
        }
    }

    private readonly Lock _resolveLock = new();

    private ResolvedContact FindOrCreate(string? normalizedEmail, string? normalizedPhone)
    {
        string? existing = null;
        if (normalizedEmail is not null)
        {
            _contacts.TryGetValue("email:" + normalizedEmail, out existing);
        }

        if (existing is null && normalizedPhone is not null)
        {
            _contacts.TryGetValue("phone:" + normalizedPhone, out existing);
        }

        var contactId = existing ?? Ids.New();
        if (normalizedEmail is not null)
        {
            _contacts.TryAdd("email:" + normalizedEmail, contactId);
        }

        if (normalizedPhone is not null)
        {
            _contacts.TryAdd("phone:" + normalizedPhone, contactId);
        }

        return new ResolvedContact(contactId, normalizedEmail, normalizedPhone, existing is null);
    }

    /// <summary>Like Contacts' <c>CheckIdentities</c>: the phone's problem (an e-mail at <c>unavailable.test</c> means Contacts is down).</summary>
    public Task<IReadOnlyList<IdentityProblem>> CheckAsync(string? email, string? phone, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _checks);
        var normalizedEmail = string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant();
        if (normalizedEmail is not null && (normalizedEmail.EndsWith(UnavailableDomain, StringComparison.Ordinal) || _down.ContainsKey(normalizedEmail)))
        {
            Outage.Seen();
            throw new ContactsUnavailableException("Contacts answered Unavailable.");
        }

        var problems = new List<IdentityProblem>();
        if (phone is not null)
        {
            try
            {
                NormalizePhone(phone);
            }
            catch (ContactIdentityException ex)
            {
                problems.Add(new IdentityProblem(ex.Field, ex.Reason));
            }
        }

        return Task.FromResult<IReadOnlyList<IdentityProblem>>(problems);
    }

    /// <summary>How many times <see cref="CheckAsync"/> was called.</summary>
    public int Checks => Volatile.Read(ref _checks);

    private int _checks;

    private static string NormalizePhone(string phone)
    {
        var compact = new string([.. phone.Where(c => !char.IsWhiteSpace(c) && c is not ('-' or '(' or ')' or '.' or '/'))]);
        var international = compact.StartsWith("00", StringComparison.Ordinal) ? "+" + compact[2..]
            : compact.StartsWith('+') ? compact
            : compact.StartsWith('0') ? "+49" + compact[1..]
            : compact;
        var digits = international.TrimStart('+');
        if (!international.StartsWith('+') || digits.Length is < 7 or > 15 || !digits.All(char.IsAsciiDigit))
        {
            throw new ContactIdentityException("phone", "The phone number is not valid.");
        }

        return international;
    }
}
