using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Alerts;

/// <summary>
/// A rep as Messaging knows them (document of <c>rep_directory</c>, id = the rep's id in Assignment): name, team and work
/// addresses, from the latest <see cref="RepCreated"/> / <see cref="RepChanged"/> (the highest <see cref="RepVersion"/>
/// wins: events may arrive out of order). Where SLA alerts go. Reps are staff, not contacts: no consent, no erasure.
/// </summary>
public sealed record RepDirectoryEntry : IDocument
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? TeamId { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public bool Active { get; init; } = true;
    /// <summary>The rep's version in Assignment that this entry shows.</summary>
    public required long RepVersion { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>The rep's address on <paramref name="channel"/> (e-mail, else the phone for SMS / WhatsApp); null: none.</summary>
    public string? AddressOn(string channel) => channel == "email" ? Email : Phone;
}

public static class AlertCollections
{
    /// <summary>The rep directory, read by id only.</summary>
    public static readonly DocumentCollection<RepDirectoryEntry> Reps = new("rep_directory");

    /// <summary>Queue names of the alert consumers.</summary>
    public static CrmConsumers AddAlertConsumers(this CrmConsumers consumers) => consumers
        .Add<TrackRepDirectory>("rep-directory")
        .Add<SendSlaAlerts>("sla-alerts");
}

/// <summary>
/// Queue <c>messaging-rep-directory</c>: keeps <see cref="RepDirectoryEntry"/> from Assignment's rep events; an event
/// older than what is kept (a lower rep version) changes nothing.
/// </summary>
public sealed class TrackRepDirectory(UnitOfWork unit) : IConsumer<RepCreated>, IConsumer<RepChanged>
{
    public Task Consume(ConsumeContext<RepCreated> context) => ApplyAsync(
        unit,
        new RepDirectoryEntry
        {
            Id = context.Message.RepId, Name = context.Message.Name, TeamId = context.Message.TeamId, Email = context.Message.Email,
            Phone = context.Message.Phone, Active = context.Message.Active, RepVersion = context.Message.Version,
        },
        context.CancellationToken);

    public Task Consume(ConsumeContext<RepChanged> context) => ApplyAsync(
        unit,
        new RepDirectoryEntry
        {
            Id = context.Message.RepId, Name = context.Message.Name, TeamId = context.Message.TeamId, Email = context.Message.Email,
            Phone = context.Message.Phone, Active = context.Message.Active, RepVersion = context.Message.Version,
        },
        context.CancellationToken);

    private static async Task ApplyAsync(UnitOfWork unit, RepDirectoryEntry incoming, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(incoming.Id))
        {
            throw new InvalidMessageException("A rep event needs a repId.");
        }

        var current = await unit.GetAsync(AlertCollections.Reps, incoming.Id, cancellationToken);
        if (current is not null && current.RepVersion >= incoming.RepVersion)
        {
            return;
        }

        unit.Save(AlertCollections.Reps, incoming with { Version = (current?.Version ?? 0) + 1 }, current);
    }
}
