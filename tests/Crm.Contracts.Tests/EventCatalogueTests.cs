using System.Reflection;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Storage.Outbox;
using Xunit;

namespace Crm.Contracts.Tests;

/// <summary>The rules every integration event and DTO keeps (DESIGN.md §4, CONVENTIONS.md Contracts).</summary>
public sealed class EventCatalogueTests
{
    private static readonly Assembly Contracts = typeof(LeadCaptured).Assembly;

    private static IEnumerable<Type> EventTypes() =>
        Contracts.GetTypes().Where(t => t.Namespace is { } ns && !ns.StartsWith("Crm.Contracts.Api", StringComparison.Ordinal) && t.GetProperty("EventId") is not null);

    public static TheoryData<Type> Events()
    {
        var data = new TheoryData<Type>();
        foreach (var type in EventTypes())
        {
            data.Add(type);
        }

        return data;
    }

    [Fact]
    public void The_catalogue_of_this_issue_is_complete()
    {
        var names = EventTypes().Select(t => t.FullName).ToHashSet();
        Assert.Superset(
            new HashSet<string?>
            {
                "Crm.Contracts.Contacts.ContactCreated",
                "Crm.Contracts.Contacts.ContactUpdated",
                "Crm.Contracts.Contacts.ConsentChanged",
                "Crm.Contracts.Leads.LeadCaptured",
                "Crm.Contracts.Leads.LeadScored",
                "Crm.Contracts.Assignment.LeadAssigned",
                "Crm.Contracts.Assignment.RepCreated",
                "Crm.Contracts.Assignment.RepChanged",
                "Crm.Contracts.Messaging.MessageSent",
            },
            names);
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void An_event_is_a_sealed_record_with_an_id_and_a_time(Type type)
    {
        Assert.True(type.IsSealed, $"{type.Name} must be sealed (no base classes for contracts).");
        Assert.Equal(typeof(object), type.BaseType);
        Assert.NotNull(type.GetMethod("<Clone>$"));
        Assert.Equal(typeof(Guid), type.GetProperty("EventId")!.PropertyType);
        Assert.Equal(typeof(DateTimeOffset), type.GetProperty("OccurredAt")!.PropertyType);
        Assert.Matches("^Crm\\.Contracts\\.(Contacts|Leads|Assignment|Messaging|Analytics)$", type.Namespace);
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void An_event_is_immutable(Type type)
    {
        foreach (var property in type.GetProperties())
        {
            var setter = property.SetMethod;
            Assert.True(setter is null || setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit"), $"{type.Name}.{property.Name} must be init-only.");
        }
    }

    [Fact]
    public void The_client_and_the_services_speak_the_same_json()
    {
        var server = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        CrmHost.ConfigureJson(server);
        var request = new CaptureLeadRequest
        {
            Name = "Anna",
            Email = "anna@example.com",
            Source = "web-form",
            Channel = Channel.Whatsapp,
            PagesVisited = 2,
            LastInteractionAt = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero),
            Fields = new Dictionary<string, string> { ["utm_campaign"] = "spring" },
        };

        var fromClient = JsonSerializer.Serialize(request, CrmClient.JsonOptions);
        Assert.Contains("\"channel\":\"whatsapp\"", fromClient, StringComparison.Ordinal);
        Assert.Equal(request.Channel, JsonSerializer.Deserialize<CaptureLeadRequest>(fromClient, server)!.Channel);

        var response = new LeadResponse
        {
            Id = "l1",
            ContactId = "c1",
            Source = "web-form",
            Channel = Channel.Web,
            Score = 27,
            Grade = Grade.Hot,
            CapturedAt = new DateTimeOffset(2026, 11, 22, 10, 0, 0, 123, TimeSpan.Zero),
            Version = 1,
        };
        var fromServer = JsonSerializer.Serialize(response, server);
        Assert.Contains("\"grade\":\"hot\"", fromServer, StringComparison.Ordinal);
        Assert.Contains("\"capturedAt\":\"2026-11-22T10:00:00.123Z\"", fromServer, StringComparison.Ordinal);
        Assert.Equal(response.CapturedAt, JsonSerializer.Deserialize<LeadResponse>(fromServer, CrmClient.JsonOptions)!.CapturedAt);
    }

    [Fact]
    public void Events_from_before_the_actor_was_added_still_read_with_no_actor()
    {
        using var captured = JsonDocument.Parse("""{"eventId":"0193a5c2-0000-7000-8000-000000000001","occurredAt":"2026-11-22T10:00:00Z","leadId":"l1","contactId":"c1","source":"web-form","channel":"web"}""");
        using var assigned = JsonDocument.Parse("""{"eventId":"0193a5c2-0000-7000-8000-000000000002","occurredAt":"2026-11-22T10:00:00Z","leadId":"l1","contactId":"c1","repId":"r1","repName":"Rita"}""");

        var lead = (LeadCaptured)OutboxSerializer.Read(typeof(LeadCaptured).FullName!, captured.RootElement).Message;
        var assignment = (LeadAssigned)OutboxSerializer.Read(typeof(LeadAssigned).FullName!, assigned.RootElement).Message;

        Assert.Equal("l1", lead.LeadId);
        Assert.Null(lead.CapturedBy);
        Assert.Equal("r1", assignment.RepId);
        Assert.Null(assignment.AssignedBy);
    }

    [Fact]
    public void The_actor_travels_through_the_outbox_in_camel_case()
    {
        var ada = new Actor { Kind = Actor.PersonKind, Id = "ada-0007", Name = "Ada Admin", Role = "admin" };
        var changed = new RepChanged
        {
            EventId = Guid.CreateVersion7(),
            OccurredAt = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero),
            RepId = "r1",
            Name = "Rita",
            Capacity = 5,
            Active = true,
            Version = 2,
            ChangedBy = ada,
        };

        var record = OutboxSerializer.CreateRecord(changed, changed.OccurredAt);

        Assert.Equal("""{"kind":"person","id":"ada-0007","name":"Ada Admin","role":"admin"}""", record.Body.GetProperty("changedBy").GetRawText());
        Assert.Equal(changed, OutboxSerializer.Read(record.Type, record.Body).Message);
        Assert.Equal(("system", "crm"), (Actor.System.Kind, Actor.System.Id));
    }

    [Fact]
    public void The_services_reject_fields_the_contract_does_not_have()
    {
        var server = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        CrmHost.ConfigureJson(server);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CaptureLeadRequest>("""{"email":"a@b.c","score":100}""", server));
    }
}
