using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contacts.Segments;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>Live segments through the service's HTTP API: definitions, preview, membership kept by events, paging, erasure.</summary>
public sealed class SegmentsApiTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    private IDocumentStore Store => _api.Store;

    internal static SegmentRule Cond(string field, string op, object value) => new() { Field = field, Op = op, Value = JsonSerializer.SerializeToElement(value) };

    internal static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(CrmClient.JsonOptions))!;
    }

    internal static async Task<SegmentResponse> CreateLiveAsync(HttpClient client, IDocumentStore store, SegmentRule rule, string name = "Test segment")
    {
        using var created = await client.PostAsJsonAsync("/api/contacts/segments", new SegmentRequest { Name = name, Rule = rule }, CrmClient.JsonOptions);
        var segment = await ReadAsync<SegmentResponse>(created, HttpStatusCode.Created);
        await Poll.UntilAsync(async () => (await store.GetAsync(SegmentCollections.Segments, segment.Id))?.Status == Segment.Live, "the segment's build to finish");
        return segment;
    }

    private Task WaitMemberAsync(string segmentId, string contactId, bool member) =>
        Poll.UntilAsync(async () => (await Store.GetAsync(SegmentCollections.Members, SegmentMember.IdOf(segmentId, contactId)) is not null) == member, member ? "the contact to join" : "the contact to leave");

    private Task WaitEventAsync(string segmentId, string contactId, bool joined, int count = 1) =>
        Poll.UntilAsync(
            () => Task.FromResult(factory.Harness.Published.Select<SegmentMembershipChanged>(x => x.Context.Message.SegmentId == segmentId && x.Context.Message.ContactId == contactId && x.Context.Message.Joined == joined).Count() >= count),
            $"SegmentMembershipChanged {(joined ? "joined" : "left")}");

    private static string NewTag() => $"seg-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task A_segment_is_defined_read_replaced_with_if_match_and_deleted()
    {
        var client = factory.CreateClient();
        var tag = NewTag();
        var contact = await _api.NewContactAsync("Sina");
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(contact, new { tags = new[] { tag } })).Status);
        await Poll.UntilAsync(async () => (await _api.GetAsync(contact)).Tags.Contains(tag), "the tag");

        var segment = await CreateLiveAsync(client, Store, Cond("tags", "contains", tag), "Tagged");
        Assert.Equal(("Tagged", Segment.Building, 1L), (segment.Name, segment.Status, segment.Version));
        await WaitMemberAsync(segment.Id, contact, member: true);
        await WaitEventAsync(segment.Id, contact, joined: true);

        using (var read = await client.GetAsync($"/api/contacts/segments/{segment.Id}"))
        {
            var body = await ReadAsync<SegmentResponse>(read, HttpStatusCode.OK);
            Assert.Equal((Segment.Live, 1L, "\"1\""), (body.Status, body.Count, read.Headers.ETag!.Tag));
            Assert.Equal(tag, body.Rule.Value!.Value.GetString());
        }

        var list = await client.GetFromJsonAsync<Page<SegmentResponse>>("/api/contacts/segments", CrmClient.JsonOptions);
        Assert.Contains(list!.Items, s => s.Id == segment.Id && s.Count == 1);

        // A stale If-Match is a 412; the replace rebuilds: the contact no longer matches and leaves.
        var replacement = new SegmentRequest { Name = "Tagged and customer", Rule = new SegmentRule { All = [Cond("tags", "contains", tag), Cond("lifecycleStage", "eq", "customer")] } };
        using (var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/contacts/segments/{segment.Id}") { Content = JsonContent.Create(replacement, options: CrmClient.JsonOptions) })
        {
            stale.Headers.TryAddWithoutValidation("If-Match", "\"7\"");
            Assert.Equal(HttpStatusCode.PreconditionFailed, (await client.SendAsync(stale)).StatusCode);
        }

        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/api/contacts/segments/{segment.Id}") { Content = JsonContent.Create(replacement, options: CrmClient.JsonOptions) })
        {
            put.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            var replaced = await ReadAsync<SegmentResponse>(await client.SendAsync(put), HttpStatusCode.OK);
            Assert.Equal((2L, Segment.Building), (replaced.Version, replaced.Status));
        }

        await WaitMemberAsync(segment.Id, contact, member: false);
        await WaitEventAsync(segment.Id, contact, joined: false);
        Assert.Contains(factory.Harness.Published.Select<SegmentMembershipChanged>(), x => x.Context.Message.SegmentId == segment.Id && !x.Context.Message.Joined && x.Context.Message.SegmentVersion == 2);

        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/contacts/segments/{segment.Id}"))
        {
            delete.Headers.TryAddWithoutValidation("If-Match", "\"2\"");
            Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(delete)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/contacts/segments/{segment.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/contacts/segments/{segment.Id}/members")).StatusCode);
    }

    [Fact]
    public async Task Membership_follows_profile_patches_consent_changes_and_orders()
    {
        var client = factory.CreateClient();
        var tag = NewTag();
        var segment = await CreateLiveAsync(client, Store, new SegmentRule
        {
            All =
            [
                Cond("tags", "contains", tag),
                Cond("lifecycleStage", "eq", "customer"),
                Cond("consent.email", "eq", "granted"),
                Cond("summary.orders", "gte", 1),
            ],
        });
        var contact = await _api.NewContactAsync("Pia");

        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(contact, new { tags = new[] { tag }, lifecycleStage = "customer" })).Status);
        using (var consent = await client.PostAsJsonAsync($"/api/contacts/{contact}/consent", new ChangeConsentRequest
        {
            Channels = [new ChannelConsentChange { Channel = "email", Status = "granted", LegalBasis = "consent", Source = "web-form", WordingVersion = "nl-1" }],
        }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        }

        // Everything but an order: not a member yet.
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<ConsentChanged>(x => x.Context.Message.ContactId == contact).Any()), "ConsentChanged consumed");
        Assert.Null(await Store.GetAsync(SegmentCollections.Members, SegmentMember.IdOf(segment.Id, contact)));

        using (var order = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", new PlaceOrderRequest { Reference = "SEG-1", Amount = new Money { Amount = "10.00", Currency = "EUR" } }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Created, order.StatusCode);
        }

        await WaitMemberAsync(segment.Id, contact, member: true);
        await WaitEventAsync(segment.Id, contact, joined: true);

        // Withdrawing consent makes the contact leave; a profile patch back to customer after churn too.
        using (var withdraw = await client.PostAsJsonAsync($"/api/contacts/{contact}/consent", new ChangeConsentRequest
        {
            Channels = [new ChannelConsentChange { Channel = "email", Status = "withdrawn", Source = "email" }],
        }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, withdraw.StatusCode);
        }

        await WaitMemberAsync(segment.Id, contact, member: false);
        await WaitEventAsync(segment.Id, contact, joined: false);

        var churned = await SegmentsApiTests.CreateLiveAsync(client, Store, new SegmentRule { All = [Cond("tags", "contains", tag), Cond("lifecycleStage", "eq", "churned")] });
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(contact, new { lifecycleStage = "churned" })).Status);
        await WaitMemberAsync(churned.Id, contact, member: true);
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(contact, new { lifecycleStage = "customer" })).Status);
        await WaitMemberAsync(churned.Id, contact, member: false);
    }

    [Fact]
    public async Task A_message_sent_updates_the_summary_without_an_event_and_segments_over_it_follow()
    {
        var client = factory.CreateClient();
        var tag = NewTag();
        var segment = await CreateLiveAsync(client, Store, new SegmentRule { All = [Cond("tags", "contains", tag), Cond("summary.lastMessageAt", "withinLast", "P7D")] });
        var contact = await _api.NewContactAsync("Mia");
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(contact, new { tags = new[] { tag } })).Status);
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<ContactUpdated>(x => x.Context.Message.ContactId == contact).Any()), "ContactUpdated consumed");
        Assert.Null(await Store.GetAsync(SegmentCollections.Members, SegmentMember.IdOf(segment.Id, contact)));

        await factory.Harness.Bus.Publish(new Crm.Contracts.Messaging.MessageSent
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            MessageId = $"m-{Guid.NewGuid():N}",
            ContactId = contact,
            Channel = "email",
            Template = "welcome",
            To = "mia@example.com",
        });

        await WaitMemberAsync(segment.Id, contact, member: true);
        await WaitEventAsync(segment.Id, contact, joined: true);
    }

    [Fact]
    public async Task Preview_counts_without_storing_and_members_page_with_a_cursor()
    {
        var client = factory.CreateClient();
        var tag = NewTag();
        var contacts = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var contact = await _api.NewContactAsync($"Member {i}");
            Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(contact, new { tags = new[] { tag } })).Status);
            contacts.Add(contact);
        }

        using (var preview = await client.PostAsJsonAsync("/api/contacts/segments/preview", new SegmentPreviewRequest { Rule = Cond("tags", "contains", tag) }, CrmClient.JsonOptions))
        {
            var body = await ReadAsync<SegmentPreviewResponse>(preview, HttpStatusCode.OK);
            Assert.Equal(5, body.Count);
            Assert.Equal(contacts.Order(StringComparer.Ordinal), body.SampleContactIds);
        }

        Assert.DoesNotContain((await client.GetFromJsonAsync<Page<SegmentResponse>>("/api/contacts/segments", CrmClient.JsonOptions))!.Items, s => s.Rule.Value?.GetString() == tag);

        var segment = await CreateLiveAsync(client, Store, Cond("tags", "contains", tag));
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.GetFromJsonAsync<Page<SegmentMemberResponse>>($"/api/contacts/segments/{segment.Id}/members?limit=2" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}"), CrmClient.JsonOptions);
            seen.AddRange(page!.Items.Select(m => m.ContactId));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(contacts.Order(StringComparer.Ordinal), seen);
        Assert.Equal(3, pages);
        Assert.Equal(5, (await client.GetFromJsonAsync<SegmentResponse>($"/api/contacts/segments/{segment.Id}", CrmClient.JsonOptions))!.Count);

        var (status, _) = await _api.GetRawAsync($"/api/contacts/segments/{segment.Id}/members?limit=0&sort=x");
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Every_bad_field_is_named_at_once_and_unknown_members_are_rejected()
    {
        var client = factory.CreateClient();
        var body = """{"name":"","rule":{"all":[{"field":"lifecycleStage","op":"eq","value":"vip"},{"field":"nope","op":"eq","value":1},{"any":[{"field":"summary.lastOrderAt","op":"olderThan","value":"3 months"}]}]}}""";
        using var bad = await client.PostAsync(new Uri("/api/contacts/segments", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        Assert.Equal(
            ["name", "rule.all[0].value", "rule.all[1].field", "rule.all[2].any[0].value"],
            problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        using var unknown = await client.PostAsync(new Uri("/api/contacts/segments", UriKind.Relative), new StringContent("""{"name":"x","rule":{"field":"country","op":"eq","value":"DE","negate":true}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        using var preview = await client.PostAsync(new Uri("/api/contacts/segments/preview", UriKind.Relative), new StringContent("""{"rule":{"any":[]}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, preview.StatusCode);
        Assert.DoesNotContain((await client.GetFromJsonAsync<Page<SegmentResponse>>("/api/contacts/segments", CrmClient.JsonOptions))!.Items, s => s.Name == "x");

        var asRep = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-seg"));
        Assert.Equal(HttpStatusCode.Forbidden, (await asRep.PostAsJsonAsync("/api/contacts/segments", SegmentEndpoints.Example, CrmClient.JsonOptions)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asRep.GetAsync("/api/contacts/segments")).StatusCode);
    }

    [Fact]
    public async Task An_erased_contact_leaves_every_segment_and_never_comes_back()
    {
        var client = factory.CreateClient();
        var tag = NewTag();
        var segment = await CreateLiveAsync(client, Store, Cond("tags", "contains", tag));
        var contact = await _api.NewContactAsync("Ute");
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(contact, new { tags = new[] { tag } })).Status);
        await WaitMemberAsync(segment.Id, contact, member: true);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/contacts/{contact}/erasure", null)).StatusCode);
        await WaitMemberAsync(segment.Id, contact, member: false);
        await WaitEventAsync(segment.Id, contact, joined: false);
        Assert.Empty(await Store.FindAsync(SegmentQueries.OfContact(contact)));

        // A late event about the contact and a rebuild of the segment add nothing.
        await factory.Harness.Bus.Publish(new ContactUpdated { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ContactId = contact, Version = 9, Tags = [tag] });
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<ContactUpdated>(x => x.Context.Message.ContactId == contact && x.Context.Message.Version == 9).Any()), "the late event consumed");
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/api/contacts/segments/{segment.Id}") { Content = JsonContent.Create(new SegmentRequest { Name = "Again", Rule = Cond("tags", "contains", tag) }, options: CrmClient.JsonOptions) })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(put)).StatusCode);
        }

        await Poll.UntilAsync(async () => (await Store.GetAsync(SegmentCollections.Segments, segment.Id))?.Status == Segment.Live, "the rebuild");
        Assert.Empty(await Store.FindAsync(SegmentQueries.OfContact(contact)));
    }

    public void Dispose() => _api.Dispose();
}

/// <summary>Contacts with a fake clock: a relative-date rule flips when the clock passes its bound, through the durable timer.</summary>
public sealed class SegmentClockTests : IClassFixture<SegmentClockTests.Factory>, IDisposable
{
    private static readonly DateTimeOffset Start = new(2031, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly Factory _factory;
    private readonly ContactApi _api;

    public SegmentClockTests(Factory factory)
    {
        _factory = factory;
        _api = new ContactApi(factory);
    }

    public sealed class Factory : CrmServiceFactory<ContactsEntryPoint>
    {
        public FakeTimeProvider Time { get; } = new(Start);

        protected override void ConfigureServices(IServiceCollection services)
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
        }
    }

    /// <summary>Polls, moving the fake clock a second on each probe so the timer runner's poll wakes up.</summary>
    private Task UntilAsync(Func<Task<bool>> condition, string what) =>
        Poll.UntilAsync(async () =>
        {
            _factory.Time.Advance(TimeSpan.FromSeconds(1));
            return await condition();
        }, what);

    [Fact]
    public async Task No_order_in_90_days_joins_when_the_clock_passes_the_bound()
    {
        var client = _factory.CreateClient();
        var store = _api.Store;
        var tag = $"clock-{Guid.NewGuid():N}"[..20];
        using var created = await client.PostAsJsonAsync("/api/contacts/segments", new SegmentRequest
        {
            Name = "Lapsed",
            Rule = new SegmentRule { All = [SegmentsApiTests.Cond("tags", "contains", tag), SegmentsApiTests.Cond("summary.lastOrderAt", "olderThan", "P90D")] },
        }, CrmClient.JsonOptions);
        var segment = await SegmentsApiTests.ReadAsync<SegmentResponse>(created, HttpStatusCode.Created);
        await UntilAsync(async () => (await store.GetAsync(SegmentCollections.Segments, segment.Id))?.Status == Segment.Live, "the build");

        var contact = await _api.NewContactAsync("Lena");
        Assert.Equal(HttpStatusCode.OK, (await _api.PatchAsync(contact, new { tags = new[] { tag } })).Status);
        var placedAt = _factory.Time.GetUtcNow().AddDays(-85).TruncateToMs();
        using (var order = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", new PlaceOrderRequest { Reference = "OLD-1", Amount = new Money { Amount = "10.00", Currency = "EUR" }, PlacedAt = placedAt }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Created, order.StatusCode);
        }

        var key = SegmentMember.IdOf(segment.Id, contact);
        var timer = await Poll.ForAsync(() => store.GetAsync(PlatformCollections.Timers, TimerRecord.IdOf(SegmentMembership.ClockKind, key)), "the clock timer");
        Assert.Equal(placedAt.AddDays(90).AddMilliseconds(1), timer.DueAt);
        Assert.Null(await store.GetAsync(SegmentCollections.Members, key));

        _factory.Time.SetUtcNow(timer.DueAt.AddSeconds(1));
        await UntilAsync(async () => await store.GetAsync(SegmentCollections.Members, key) is not null, "the contact to join by time alone");
        await Poll.UntilAsync(() => Task.FromResult(_factory.Harness.Published.Select<SegmentMembershipChanged>(x => x.Context.Message.ContactId == contact && x.Context.Message.Joined).Any()), "SegmentMembershipChanged joined");

        // A new order brings the contact back within 90 days: they leave.
        using (var order = await client.PostAsJsonAsync($"/api/contacts/{contact}/orders", new PlaceOrderRequest { Reference = "NEW-1", Amount = new Money { Amount = "10.00", Currency = "EUR" } }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Created, order.StatusCode);
        }

        await UntilAsync(async () => await store.GetAsync(SegmentCollections.Members, key) is null, "the contact to leave");
    }

    public void Dispose() => _api.Dispose();
}
