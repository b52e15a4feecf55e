using Crm.Contacts.Segments;
using Crm.Contacts.Timeline;
using Crm.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary>
/// The timeline queues keep their names whatever the consumer classes are called: the brokers of running systems
/// hold them, and each name is also its consumer's inbox key.
/// </summary>
public sealed class ContactsWiringTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>
{
    [Fact]
    public void Each_event_keeps_its_queue()
    {
        var formatter = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        Assert.Equal(
            ["contacts-lead-captured", "contacts-lead-scored", "contacts-lead-scores-changed", "contacts-lead-assigned", "contacts-message-sent", "contacts-call-logged", "contacts-segments"],
            new[]
            {
                Endpoint<AddToTimelineOnLeadCaptured>(),
                Endpoint<AddToTimelineOnLeadScored>(),
                Endpoint<AddToTimelineOnLeadScoresChanged>(),
                Endpoint<AddToTimelineOnLeadAssigned>(),
                Endpoint<AddToTimelineOnMessageSent>(),
                Endpoint<AddToTimelineOnCallLogged>(),
                Endpoint<EvaluateSegmentsOnContactChange>(),
            }.Select(d => d.GetEndpointName(formatter)));
    }

    private IEndpointDefinition Endpoint<TConsumer>()
        where TConsumer : class, IConsumer =>
        factory.Services.GetRequiredService<IEndpointDefinition<TConsumer>>();
}
