using Crm.Analytics.ReadModels;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Live;

/// <summary>
/// Queue <c>analytics-lead-captured-live</c>: adds the lead to the stored count of its UTC minute (of
/// <c>OccurredAt</c>). Its own queue, so every replica's consumer takes part of the events and all of them add to the
/// same documents; the inbox drops a redelivery, so a lead counts once.
/// </summary>
public sealed class CountLeadMinute(UnitOfWork unit) : IConsumer<LeadCaptured>
{
    public const string Queue = "lead-captured-live";

    public Task Consume(ConsumeContext<LeadCaptured> context) => unit.ProjectAsync(Queue, context);
}
