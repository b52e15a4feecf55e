using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contacts.Consent;
using Crm.Contacts.Grpc;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>The consent fence through gRPC BeginSend / EndSend and the consent API: a withdrawal commits after every send in flight.</summary>
public sealed class SendFenceApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    internal static ChannelConsentChange Sms(string status) => new()
    {
        Channel = "sms",
        Status = status,
        LegalBasis = status == "granted" ? "consent" : null,
        Source = status == "granted" ? "web-form" : "sms",
        WordingVersion = status == "granted" ? "sms-offers-2026-12" : null,
    };

    internal static async Task<HttpResponseMessage> ChangeAsync(HttpClient client, string contactId, ChangeConsentRequest request) =>
        await client.PostAsJsonAsync($"/api/contacts/{contactId}/consent", request, CrmClient.JsonOptions);

    internal static async Task<string> SmsGrantedContactAsync(ContactApi api)
    {
        var contactId = await api.NewContactAsync("Fence");
        using var client = api.Client();
        using var granted = await ChangeAsync(client, contactId, new ChangeConsentRequest { Channels = [Sms("granted")] });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        return contactId;
    }

    private static BeginSendRequest Begin(string contactId, string messageId = "m-1", string channel = "sms", string purpose = "marketing") =>
        new() { ContactId = contactId, Channel = channel, Purpose = purpose, MessageId = messageId };

    /// <summary>Waits until a consent change closed the contact's fence (a hold asked for while polling would be granted, and then waited for).</summary>
    private Task ClosedAsync(string contactId, string what) =>
        Poll.UntilAsync(async () => (await _api.Store.GetAsync(SendFenceCollections.Fences, contactId))?.Closings.Count > 0, what);

    [Fact]
    public async Task A_withdrawal_waits_for_an_open_hold_grants_none_meanwhile_and_commits_after_it_is_released()
    {
        var contactId = await SmsGrantedContactAsync(_api);
        var hold = await _api.Directory.BeginSendAsync(Begin(contactId));
        Assert.True(hold.Allowed, hold.Reason);
        Assert.NotEmpty(hold.HoldId);
        Assert.Equal(30_000, hold.LeaseMs);

        using var client = _api.Client();
        var withdrawal = ChangeAsync(client, contactId, new ChangeConsentRequest { Channels = [Sms("withdrawn")] });
        await ClosedAsync(contactId, "the withdrawal to close the fence");
        var refused = await _api.Directory.BeginSendAsync(Begin(contactId, "m-2"));

        Assert.Equal("withdrawing", refused.Reason);
        Assert.Empty(refused.HoldId);
        Assert.False(withdrawal.IsCompleted);
        Assert.Equal(ConsentStatus.Granted, (await _api.Store.GetAsync(ConsentCollections.Consents, contactId))!.StatusOf("sms"));
        Assert.True((await _api.Directory.BeginSendAsync(Begin(contactId, channel: "email", purpose: "transactional"))).Allowed);

        var released = DateTimeOffset.UtcNow.TruncateToMs();
        Assert.True((await _api.Directory.EndSendAsync(new EndSendRequest { ContactId = contactId, HoldId = hold.HoldId })).Released);
        using var answer = await withdrawal;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var entry = (await _api.Store.FindAsync(ConsentQueries.LedgerNewestFirst(contactId)))[0];
        Assert.Equal(("sms", "withdrawn"), (entry.Channel, entry.Status));
        Assert.True(entry.At >= released, $"committed at {entry.At:O}, hold released at {released:O}");
        Assert.Equal("withdrawn", (await _api.Directory.BeginSendAsync(Begin(contactId, "m-3"))).Reason);
        Assert.False((await _api.Directory.EndSendAsync(new EndSendRequest { ContactId = contactId, HoldId = hold.HoldId })).Released);
    }

    [Fact]
    public async Task Do_not_contact_closes_every_channel_and_a_grant_waits_for_nothing()
    {
        var contactId = await SmsGrantedContactAsync(_api);
        var hold = await _api.Directory.BeginSendAsync(Begin(contactId, channel: "email", purpose: "transactional"));
        using var client = _api.Client();

        // A grant never waits for a hold: it answers while the e-mail's hold is open.
        using (var grant = await ChangeAsync(client, contactId, new ChangeConsentRequest { Channels = [Sms("granted")] }))
        {
            Assert.Equal(HttpStatusCode.OK, grant.StatusCode);
        }

        var dnc = ChangeAsync(client, contactId, new ChangeConsentRequest { DoNotContact = new DoNotContactChange { Active = true, Source = "phone" } });
        await ClosedAsync(contactId, "do-not-contact to close the fence");
        var refused = await _api.Directory.BeginSendAsync(Begin(contactId));
        Assert.Equal("withdrawing", refused.Reason);
        Assert.False(dnc.IsCompleted);

        await _api.Directory.EndSendAsync(new EndSendRequest { ContactId = contactId, HoldId = hold.HoldId });
        using var answer = await dnc;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("do-not-contact", (await _api.Directory.BeginSendAsync(Begin(contactId, channel: "email", purpose: "transactional"))).Reason);
    }

    [Fact]
    public async Task An_erasure_waits_for_the_sends_in_flight_like_a_withdrawal_and_then_no_hold_is_granted()
    {
        var contactId = await SmsGrantedContactAsync(_api);
        var hold = await _api.Directory.BeginSendAsync(Begin(contactId));
        using var client = _api.Client();

        var erasure = client.PostAsync($"/api/contacts/{contactId}/erasure", null);
        await ClosedAsync(contactId, "the erasure to close the fence");
        var refused = await _api.Directory.BeginSendAsync(Begin(contactId, "m-2", "email", "transactional"));
        Assert.Equal("withdrawing", refused.Reason);
        Assert.False(erasure.IsCompleted);

        await _api.Directory.EndSendAsync(new EndSendRequest { ContactId = contactId, HoldId = hold.HoldId });
        using var answer = await erasure;
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal("unknown-contact", (await _api.Directory.BeginSendAsync(Begin(contactId, "m-3"))).Reason);
    }

    [Fact]
    public async Task Concurrent_sends_and_withdrawals_hand_over_nothing_after_the_withdrawal_committed()
    {
        var contacts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SmsGrantedContactAsync(_api)));
        var handedOver = new ConcurrentDictionary<string, DateTimeOffset>();
        using var client = _api.Client();

        async Task SendAsync(string contactId)
        {
            var hold = await _api.Directory.BeginSendAsync(Begin(contactId));
            if (hold.Allowed)
            {
                handedOver[contactId] = DateTimeOffset.UtcNow; // the provider's arrival time
                await _api.Directory.EndSendAsync(new EndSendRequest { ContactId = contactId, HoldId = hold.HoldId });
            }
        }

        async Task WithdrawAsync(string contactId)
        {
            using var answer = await ChangeAsync(client, contactId, new ChangeConsentRequest { Channels = [Sms("withdrawn")] });
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        await Task.WhenAll(contacts.SelectMany(c => new[] { SendAsync(c), WithdrawAsync(c) }));

        foreach (var contactId in contacts)
        {
            var committed = (await _api.Store.FindAsync(ConsentQueries.LedgerNewestFirst(contactId)))[0];
            Assert.Equal("withdrawn", committed.Status);
            if (handedOver.TryGetValue(contactId, out var at))
            {
                Assert.True(at.TruncateToMs() <= committed.At, $"{contactId}: handed over at {at:O}, withdrawal committed at {committed.At:O}");
            }
        }
    }

    [Fact]
    public async Task BeginSends_grants_a_batch_in_request_order_one_hold_each_and_EndSends_releases_them_so_a_withdrawal_commits()
    {
        var granted = await SmsGrantedContactAsync(_api);
        var other = await SmsGrantedContactAsync(_api);
        var unknown = "c-" + Ids.New();
        var request = new BeginSendsRequest();
        request.Sends.Add(Begin(granted, "m-1"));
        request.Sends.Add(Begin(unknown, "m-2"));
        request.Sends.Add(Begin(granted, "m-3"));
        request.Sends.Add(Begin(other, "m-4", "email", "marketing"));
        request.Sends.Add(Begin(other, "m-5"));

        var reply = await _api.Directory.BeginSendsAsync(request);

        Assert.Equal([(true, ""), (false, "unknown-contact"), (true, ""), (false, "no-consent"), (true, "")], reply.Grants.Select(g => (g.Allowed, g.Reason)));
        Assert.All(reply.Grants.Where(g => g.Allowed), g => Assert.Equal(30_000, g.LeaseMs));
        Assert.Equal(3, reply.Grants.Where(g => g.Allowed).Select(g => g.HoldId).Distinct().Count());
        Assert.Equal(["m-1", "m-3"], (await _api.Store.GetAsync(SendFenceCollections.Fences, granted))!.Holds.Select(h => h.MessageId));

        using var client = _api.Client();
        var withdrawal = ChangeAsync(client, granted, new ChangeConsentRequest { Channels = [Sms("withdrawn")] });
        await ClosedAsync(granted, "the withdrawal to close the fence");
        var during = new BeginSendsRequest();
        during.Sends.Add(Begin(granted, "m-6"));
        during.Sends.Add(Begin(other, "m-7"));
        Assert.Equal([(false, "withdrawing"), (true, "")], (await _api.Directory.BeginSendsAsync(during)).Grants.Select(g => (g.Allowed, g.Reason)));
        Assert.False(withdrawal.IsCompleted);

        var end = new EndSendsRequest();
        end.Holds.AddRange(reply.Grants.Select((g, i) => (g, i)).Where(x => x.g.Allowed).Select(x => new EndSendRequest { ContactId = request.Sends[x.i].ContactId, HoldId = x.g.HoldId }));
        Assert.Equal(3, (await _api.Directory.EndSendsAsync(end)).Released);
        using var answer = await withdrawal;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(0, (await _api.Directory.EndSendsAsync(end)).Released);
    }

    [Fact]
    public async Task GetContacts_answers_each_contact_with_its_consent_and_names_the_unknown_ids()
    {
        var granted = await SmsGrantedContactAsync(_api);
        var plain = await _api.NewContactAsync("Plain");
        var unknown = "c-" + Ids.New();
        var request = new GetContactsRequest();
        request.ContactIds.AddRange([granted, unknown, plain, granted]);

        var reply = await _api.Directory.GetContactsAsync(request);

        Assert.Equal([unknown], reply.NotFound);
        Assert.Equal(new[] { granted, plain }.Order(), reply.Contacts.Select(c => c.ContactId).Order());
        var one = reply.Contacts.Single(c => c.ContactId == granted);
        Assert.Equal(await _api.Directory.GetContactAsync(new GetContactRequest { ContactId = granted }), one);
        Assert.Equal([("sms", "granted")], one.Consents.Select(c => (c.Channel, c.Status)));
        Assert.Empty(reply.Contacts.Single(c => c.ContactId == plain).Consents);
    }

    [Fact]
    public async Task A_batch_call_with_a_bad_item_or_too_many_is_invalid_and_names_the_field()
    {
        var bad = new BeginSendsRequest();
        bad.Sends.Add(Begin("c-1"));
        bad.Sends.Add(Begin("c-2", channel: "fax"));
        var error = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => _api.Directory.BeginSendsAsync(bad).ResponseAsync);
        Assert.Equal((global::Grpc.Core.StatusCode.InvalidArgument, "sends[1].channel"), (error.StatusCode, error.Trailers.GetValue("field")));

        var many = new GetContactsRequest();
        many.ContactIds.AddRange(Enumerable.Range(0, 1001).Select(i => $"c-{i}"));
        error = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => _api.Directory.GetContactsAsync(many).ResponseAsync);
        Assert.Equal((global::Grpc.Core.StatusCode.InvalidArgument, "contact_ids"), (error.StatusCode, error.Trailers.GetValue("field")));
        error = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => _api.Directory.EndSendsAsync(new EndSendsRequest()).ResponseAsync);
        Assert.Equal((global::Grpc.Core.StatusCode.InvalidArgument, "holds"), (error.StatusCode, error.Trailers.GetValue("field")));
    }

    public void Dispose() => _api.Dispose();
}

/// <summary>Contacts with a one-second send hold.</summary>
public sealed class ShortHoldContactsFactory : CrmServiceFactory<ContactsEntryPoint>
{
    public ShortHoldContactsFactory() => Settings["Contacts:SendHoldLease"] = "00:00:01";
}

/// <summary>A sender that died: its hold expires and the withdrawal commits without it.</summary>
public sealed class ExpiredSendHoldTests(ShortHoldContactsFactory factory) : IClassFixture<ShortHoldContactsFactory>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    [Fact]
    public async Task An_expired_hold_does_not_block_the_withdrawal()
    {
        var contactId = await SendFenceApiTests.SmsGrantedContactAsync(_api);
        var hold = await _api.Directory.BeginSendAsync(new BeginSendRequest { ContactId = contactId, Channel = "sms", Purpose = "marketing", MessageId = "m-1" });
        Assert.True(hold.Allowed);

        using var client = _api.Client();
        using var answer = await SendFenceApiTests.ChangeAsync(client, contactId, new ChangeConsentRequest { Channels = [SendFenceApiTests.Sms("withdrawn")] });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var entry = (await _api.Store.FindAsync(ConsentQueries.LedgerNewestFirst(contactId)))[0];
        Assert.Equal("withdrawn", entry.Status);
        Assert.True(entry.At.ToUnixTimeMilliseconds() >= hold.ExpiresAtUnixMs, "the withdrawal committed after the hold expired, never before");
        Assert.Empty((await _api.Store.GetAsync(SendFenceCollections.Fences, contactId))!.Holds);
    }

    public void Dispose() => _api.Dispose();
}
