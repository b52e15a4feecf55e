using Crm.Contacts.Consent;
using Crm.Contacts.Grpc;
using Crm.Contacts.Identity;
using Crm.ServiceDefaults.Storage;
using Grpc.Core;
using GrpcIdentityError = Crm.Contacts.Grpc.IdentityError;

namespace Crm.Contacts.Contacts;

/// <summary>
/// gRPC <c>crm.contacts.v1.ContactDirectory</c> on the h2c port. Bad input to a resolve or a get is INVALID_ARGUMENT
/// with the detail <c>email: reason</c> / <c>phone: reason</c> and the trailer <c>field</c> naming the field. A resolve
/// commits through <see cref="ContactResolver"/> (the call's unit of work); a get reads the committed contact. A check
/// normalises like a resolve (<see cref="ResolveInput.CheckIdentities"/>, shared with it) and stores nothing; its bad
/// fields are in the reply, all of them, with the reasons a resolve gives.
/// </summary>
public sealed class ContactDirectoryGrpcService(ContactResolver resolver, SendFences fences, IDocumentStore store, ContactsOptions options) : ContactDirectory.ContactDirectoryBase
{
    public const string FieldTrailer = "field";

    public override async Task<ResolveContactReply> ResolveContact(ResolveContactRequest request, ServerCallContext context)
    {
        if (!ResolveInput.TryParse(request.Name, request.Email, request.Phone, request.DefaultRegion, options.DefaultRegion, out var command, out var error))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error.Detail), new Metadata { { FieldTrailer, error.Field } });
        }

        var outcome = await resolver.ResolveAsync(command, context.CancellationToken);
        return new ResolveContactReply
        {
            Contact = ToReply(outcome.Contact),
            Created = outcome.Created,
            NormalizedEmail = command.Email ?? string.Empty,
            NormalizedPhone = command.Phone ?? string.Empty,
        };
    }

    public override Task<CheckIdentitiesReply> CheckIdentities(CheckIdentitiesRequest request, ServerCallContext context)
    {
        var check = ResolveInput.CheckIdentities(request.Email, request.Phone, request.DefaultRegion, options.DefaultRegion);
        var reply = new CheckIdentitiesReply
        {
            NormalizedEmail = check.Email ?? string.Empty,
            NormalizedPhone = check.Phone ?? string.Empty,
        };
        reply.Errors.AddRange(check.Errors.Select(e => new GrpcIdentityError { Field = e.Field, Reason = e.Reason }));
        return Task.FromResult(reply);
    }

    public override async Task<ContactReply> GetContact(GetContactRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.ContactId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "contact_id: is required"), new Metadata { { FieldTrailer, "contact_id" } });
        }

        var contact = await store.GetAsync(ContactCollections.Contacts, request.ContactId, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No contact has the id '{request.ContactId}'."));
        var reply = ToFullReply(contact);
        ConsentReplies.AddTo(reply, await store.GetAsync(ConsentCollections.Consents, contact.Id, context.CancellationToken));
        return reply;
    }

    public override async Task<BeginSendReply> BeginSend(BeginSendRequest request, ServerCallContext context)
    {
        Require(request.ContactId, "contact_id");
        RequireChannel(request.Channel, "channel");

        var purpose = request.Purpose == "transactional" ? SendPurpose.Transactional : SendPurpose.Marketing;
        return GrantReply(await fences.BeginAsync(request.ContactId, request.Channel, purpose, request.MessageId, context.CancellationToken));
    }

    public override async Task<EndSendReply> EndSend(EndSendRequest request, ServerCallContext context)
    {
        Require(request.ContactId, "contact_id");
        Require(request.HoldId, "hold_id");
        return new EndSendReply { Released = await fences.EndAsync(request.ContactId, request.HoldId, context.CancellationToken) };
    }

    /// <summary>The most ids, sends or holds one batch call takes.</summary>
    public const int MaxBatch = 1000;

    public override async Task<GetContactsReply> GetContacts(GetContactsRequest request, ServerCallContext context)
    {
        RequireBatch(request.ContactIds.Count, "contact_ids");
        for (var i = 0; i < request.ContactIds.Count; i++)
        {
            Require(request.ContactIds[i], $"contact_ids[{i}]");
        }

        var ids = request.ContactIds.Distinct(StringComparer.Ordinal).ToList();
        var contacts = await store.GetManyAsync(ContactCollections.Contacts, ids, context.CancellationToken);
        var consents = (await store.GetManyAsync(ConsentCollections.Consents, ids, context.CancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var reply = new GetContactsReply();
        foreach (var contact in contacts)
        {
            var one = ToFullReply(contact);
            ConsentReplies.AddTo(one, consents.GetValueOrDefault(contact.Id));
            reply.Contacts.Add(one);
        }

        var found = contacts.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        reply.NotFound.AddRange(ids.Where(id => !found.Contains(id)));
        return reply;
    }

    public override async Task<BeginSendsReply> BeginSends(BeginSendsRequest request, ServerCallContext context)
    {
        RequireBatch(request.Sends.Count, "sends");
        var sends = new List<(string, string, SendPurpose, string)>(request.Sends.Count);
        for (var i = 0; i < request.Sends.Count; i++)
        {
            var send = request.Sends[i];
            Require(send.ContactId, $"sends[{i}].contact_id");
            RequireChannel(send.Channel, $"sends[{i}].channel");
            sends.Add((send.ContactId, send.Channel, send.Purpose == "transactional" ? SendPurpose.Transactional : SendPurpose.Marketing, send.MessageId));
        }

        var grants = await fences.BeginManyAsync(sends, context.CancellationToken);
        var reply = new BeginSendsReply();
        reply.Grants.AddRange(grants.Select(GrantReply));
        return reply;
    }

    public override async Task<EndSendsReply> EndSends(EndSendsRequest request, ServerCallContext context)
    {
        RequireBatch(request.Holds.Count, "holds");
        for (var i = 0; i < request.Holds.Count; i++)
        {
            Require(request.Holds[i].ContactId, $"holds[{i}].contact_id");
            Require(request.Holds[i].HoldId, $"holds[{i}].hold_id");
        }

        return new EndSendsReply { Released = await fences.EndManyAsync([.. request.Holds.Select(h => (h.ContactId, h.HoldId))], context.CancellationToken) };
    }

    private BeginSendReply GrantReply(SendGrant grant) => new()
    {
        Allowed = grant.Allowed,
        Reason = grant.Reason ?? string.Empty,
        HoldId = grant.Hold?.Id ?? string.Empty,
        ExpiresAtUnixMs = grant.Hold?.ExpiresAt.ToUnixTimeMilliseconds() ?? 0,
        LeaseMs = (long)options.SendHoldLease.TotalMilliseconds,
    };

    private static void RequireBatch(int count, string field)
    {
        if (count is 0 or > MaxBatch)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field}: 1 to {MaxBatch}, not {count}"), new Metadata { { FieldTrailer, field } });
        }
    }

    private static void RequireChannel(string channel, string field)
    {
        if (!ConsentChannels.All.Contains(channel))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field}: one of {string.Join(", ", ConsentChannels.All)}"), new Metadata { { FieldTrailer, field } });
        }
    }

    /// <summary>A contact as GetContact answers it (profile included; consent added by the caller).</summary>
    private static ContactReply ToFullReply(Contact contact)
    {
        var reply = ToReply(contact);
        reply.Locale = contact.Locale ?? string.Empty;
        reply.TimeZone = contact.TimeZone ?? string.Empty;
        reply.Country = contact.Country ?? string.Empty;
        reply.Birthday = contact.Birthday?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        return reply;
    }

    private static void Require(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field}: is required"), new Metadata { { FieldTrailer, field } });
        }
    }

    private static ContactReply ToReply(Contact contact)
    {
        var reply = new ContactReply
        {
            ContactId = contact.Id,
            Name = contact.Name ?? string.Empty,
            Version = contact.Version,
        };
        reply.Emails.AddRange(contact.Emails);
        reply.Phones.AddRange(contact.Phones);
        return reply;
    }
}
