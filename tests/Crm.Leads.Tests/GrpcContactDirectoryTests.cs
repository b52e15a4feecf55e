using Crm.Contacts.Grpc;
using Crm.Leads.Contacts;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>The gRPC adapter's mapping of replies and status codes (a stub client; the wire is covered by the system test).</summary>
public sealed class GrpcContactDirectoryTests
{
    private static GrpcContactDirectory Directory(Func<ResolveContactRequest, CallOptions, Task<ResolveContactReply>> answer) =>
        new(new StubClient(answer), new ContactDirectoryOptions { Timeout = TimeSpan.FromSeconds(3) }, new ContactsOutage(), NullLogger<GrpcContactDirectory>.Instance);

    private static Task<ResolveContactReply> Fail(StatusCode code, string detail, Metadata? trailers = null) =>
        Task.FromException<ResolveContactReply>(new RpcException(new Status(code, detail), trailers ?? []));

    [Fact]
    public async Task Reply_gives_the_contact_and_normalised_identities()
    {
        ResolveContactRequest? sent = null;
        CallOptions options = default;
        var directory = Directory((request, o) =>
        {
            sent = request;
            options = o;
            return Task.FromResult(new ResolveContactReply
            {
                Contact = new ContactReply { ContactId = "c1" },
                Created = true,
                NormalizedEmail = "ana@example.com",
                NormalizedPhone = "",
            });
        });

        var contact = await directory.ResolveAsync("Ana", "Ana@Example.com", null);

        Assert.Equal(new ResolvedContact("c1", "ana@example.com", null, true), contact);
        Assert.NotNull(sent);
        Assert.Equal("Ana", sent.Name);
        Assert.Equal("Ana@Example.com", sent.Email);
        Assert.Equal("", sent.Phone);
        Assert.NotNull(options.Deadline);
        Assert.True(options.Deadline <= DateTime.UtcNow.AddSeconds(3));
    }

    [Fact]
    public async Task Invalid_argument_names_the_field_from_the_trailer_and_detail()
    {
        var directory = Directory((_, _) => Fail(StatusCode.InvalidArgument, "phone: not a phone number", new Metadata { { "field", "phone" } }));

        var error = await Assert.ThrowsAsync<ContactIdentityException>(() => directory.ResolveAsync(null, null, "abc"));

        Assert.Equal("phone", error.Field);
        Assert.Equal("not a phone number", error.Reason);
    }

    [Fact]
    public async Task Invalid_argument_without_trailer_takes_the_field_from_the_detail()
    {
        var directory = Directory((_, _) => Fail(StatusCode.InvalidArgument, "email: the domain does not exist"));

        var error = await Assert.ThrowsAsync<ContactIdentityException>(() => directory.ResolveAsync(null, "a@b.invalid", null));

        Assert.Equal("email", error.Field);
        Assert.Equal("the domain does not exist", error.Reason);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Unimplemented)]
    public async Task Other_failures_mean_contacts_is_unavailable(StatusCode code)
    {
        var directory = Directory((_, _) => Fail(code, "down"));

        await Assert.ThrowsAsync<ContactsUnavailableException>(() => directory.ResolveAsync(null, "a@b.co", null));
    }

    [Fact]
    public async Task A_reply_without_contact_is_a_failure_of_contacts()
    {
        var directory = Directory((_, _) => Task.FromResult(new ResolveContactReply()));

        await Assert.ThrowsAsync<ContactsUnavailableException>(() => directory.ResolveAsync(null, "a@b.co", null));
    }

    private sealed class StubClient(Func<ResolveContactRequest, CallOptions, Task<ResolveContactReply>> answer) : ContactDirectory.ContactDirectoryClient
    {
        public override AsyncUnaryCall<ResolveContactReply> ResolveContactAsync(ResolveContactRequest request, CallOptions options) =>
            new(answer(request, options), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }
}
