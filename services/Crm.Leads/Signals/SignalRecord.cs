using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Signals;

/// <summary>A signal recorded on a lead (collection <c>signals</c>, id: the sender's scope and id): what makes a signal idempotent, kept 30 days.</summary>
public sealed record SignalRecord : IDocument
{
    public required string Id { get; init; }
    public required string LeadId { get; init; }
    public required string Type { get; init; }
    public required DateTimeOffset At { get; init; }
    public int Count { get; init; } = 1;
    public required DateTimeOffset ReceivedAt { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>Senders' ids are their own: two systems may both send signal 1001.</summary>
    public static string IdOf(string scope, string id) => $"{scope}|{id}";
}

public static class SignalCollections
{
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(30);

    public static readonly DocumentCollection<SignalRecord> Signals = new DocumentCollection<SignalRecord>("signals")
        .Index("received_ttl", i => i.Asc(x => x.ReceivedAt).ExpireAfter(KeptFor))
        .Index("lead", i => i.Asc(x => x.LeadId).Asc(x => x.Id));
}
