using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

/// <summary>
/// A contact whose data Messaging erased (a document of <c>erased_contacts</c>; <see cref="Id"/> is the contact id,
/// a pseudonym once Contacts erased the record): no message is sent to them again. Written once, by the first
/// erasure request; a later one leaves it as it is.
/// </summary>
public sealed record ErasedContact : IDocument
{
    /// <summary>The contact id.</summary>
    public required string Id { get; init; }
    /// <summary>The erasure request that wrote it.</summary>
    public required string RequestId { get; init; }
    public required DateTimeOffset ErasedAt { get; init; }
    public long Version { get; init; } = 1;
}
