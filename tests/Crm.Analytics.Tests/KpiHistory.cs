using System.Globalization;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using MassTransit;

namespace Crm.Analytics.Tests;

/// <summary>
/// A generated month of events (November of <see cref="Year"/>) whose true KPI values the tests compute from this
/// model with their own formulas: each lead's capture, owner, touches, path through the stages, outcome and SLA; the
/// contacts' orders; messages, replies and resolved conversations. <see cref="Deliveries"/> publishes every event in a
/// shuffled order, some twice with the same MessageId (a redelivery) and, where the read model must be idempotent by
/// itself, some again under a new MessageId. The contacts' segment joins and leaves decide the segments they are in now.
/// </summary>
public sealed class KpiHistory
{
    public const int Year = 2019;

    public static readonly string[] Channels = ["web", "ads", "sms"];
    public static readonly string?[] Campaigns = ["spring", "autumn", null];
    public static readonly (string Rep, string Team)[] Reps = [("r1", "t1"), ("r2", "t1"), ("r3", "t2")];
    public static readonly string[] Path = ["new", "contacted", "qualified", "proposal"];
    public static readonly string[] Segments = ["vip", "newsletter", "dormant"];

    public sealed record LeadActivity(string Owner, DateTimeOffset At, string Type);

    public sealed record Lead(string Id, string ContactId, DateTimeOffset CapturedAt, string Channel, string Source, string? Campaign)
    {
        public string? FirstRep { get; set; }
        public string? Owner { get; set; }
        public string? Team { get; set; }
        public DateTimeOffset? ReassignedAt { get; set; }
        public List<LeadActivity> Activities { get; } = [];
        /// <summary>The stages of its moves, in order (the first is where it started).</summary>
        public List<string> Stages { get; } = [];
        public List<DateTimeOffset> MoveTimes { get; } = [];
        public DateTimeOffset? WonAt { get; set; }
        public DateTimeOffset? LostAt { get; set; }
        public bool FirstContactBreached { get; set; }

        public DateTimeOffset? OwnerFirstTouch => Activities.Where(a => a.Owner == Owner).Select(a => (DateTimeOffset?)a.At).Min();
    }

    public sealed record Order(string Id, string ContactId, DateTimeOffset PlacedAt, decimal Amount, string Currency);

    public sealed record Message(string Id, string Channel, DateTimeOffset SentAt, bool Delivered, bool Failed);

    public sealed record Reply(string Channel, DateTimeOffset At, bool IsReply);

    public sealed record Resolution(string Channel, string? Owner, DateTimeOffset At, bool FirstContact);

    public sealed record FollowUpMiss(string Rep, DateTimeOffset At, string LeadId);

    public sealed record CsatAnswer(string Channel, string? Owner, DateTimeOffset At, int Score);

    public sealed record Membership(string ContactId, string SegmentId, bool Joined, DateTimeOffset At);

    public List<Lead> Leads { get; } = [];
    public List<Order> Orders { get; } = [];
    public List<Message> Messages { get; } = [];
    public List<Reply> Replies { get; } = [];
    public List<Resolution> Resolutions { get; } = [];
    public List<FollowUpMiss> FollowUpMisses { get; } = [];
    public List<CsatAnswer> CsatAnswers { get; } = [];
    public List<Membership> Memberships { get; } = [];

    /// <summary>Every event to publish: the publication, and whether a second publication under a new MessageId must change nothing.</summary>
    public List<(Func<IBus, Guid, Task> Publish, bool IdempotentByItself)> Events { get; } = [];

    /// <summary>The type of each of <see cref="Events"/>.</summary>
    public List<Type> EventTypes { get; } = [];

    public string Prefix { get; } = Guid.NewGuid().ToString("N")[..8];

    public static DateTimeOffset Nov(int day, int hour = 0, int minute = 0) => new(Year, 11, day, hour, minute, 0, TimeSpan.Zero);

    public static KpiHistory Generate(int seed)
    {
        var random = new Random(seed);
        var history = new KpiHistory();
        history.GenerateLeads(random);
        history.GenerateOrders(random);
        history.GenerateMessages(random);
        history.GenerateCsat(random);
        history.GenerateSegments(random);
        return history;
    }

    private void GenerateLeads(Random random)
    {
        int[] touchDelays = [1, 3, 5, 7, 20, 45, 60, 90, 300, 2000];
        for (var i = 0; i < 60; i++)
        {
            var captured = Nov(1 + random.Next(27), random.Next(24), random.Next(60));
            var lead = new Lead($"{Prefix}-l{i}", $"{Prefix}-c{i % 45}", captured, Channels[random.Next(3)], $"src-{random.Next(2)}", Campaigns[random.Next(3)]);
            Leads.Add(lead);
            Add(new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = captured, LeadId = lead.Id, ContactId = lead.ContactId, Source = lead.Source, Channel = lead.Channel, Campaign = lead.Campaign, Name = "Someone" }, true);
            if (random.Next(10) == 0)
            {
                continue; // never assigned
            }

            var (rep, team) = Reps[random.Next(3)];
            lead.FirstRep = rep;
            lead.Owner = rep;
            lead.Team = team;
            Add(Assigned(lead, rep, team, captured.AddMinutes(1), null), true);
            if (random.Next(6) == 0)
            {
                // The first rep touches it, then it moves to another rep: only the new owner's touches count.
                Add(Activity(lead, rep, captured.AddMinutes(2), "call"), false);
                var (other, otherTeam) = Reps.First(r => r.Rep != rep);
                lead.ReassignedAt = captured.AddHours(2);
                lead.Owner = other;
                lead.Team = otherTeam;
                Add(Assigned(lead, other, otherTeam, lead.ReassignedAt.Value, rep), true);
            }

            if (random.Next(5) != 0)
            {
                var first = lead.ReassignedAt is { } at ? at.AddMinutes(touchDelays[random.Next(touchDelays.Length)]) : captured.AddMinutes(touchDelays[random.Next(touchDelays.Length)]);
                Add(Activity(lead, lead.Owner, first, new[] { "call", "email", "note", "sms" }[random.Next(4)]), false);
                for (var more = random.Next(3); more > 0; more--)
                {
                    Add(Activity(lead, lead.Owner, first.AddHours(1 + random.Next(48)), new[] { "call", "whatsapp", "quote-sent" }[random.Next(3)]), false);
                }
            }

            if (random.Next(7) == 0)
            {
                lead.FirstContactBreached = true;
                Add(Breach(lead, "first-contact", captured.AddMinutes(30)), false);
            }

            if (random.Next(8) == 0)
            {
                var at = captured.AddDays(2);
                FollowUpMisses.Add(new FollowUpMiss(lead.Owner, at, lead.Id));
                Add(Breach(lead, "follow-up", at), false);
            }

            // Moves: none, or along the path (sometimes skipping "contacted").
            var moves = random.Next(4);
            if (moves > 0)
            {
                var path = random.Next(4) == 0 ? Path.Where(s => s != "contacted").ToArray() : Path;
                var at = captured.AddHours(1);
                lead.Stages.Add(path[0]);
                for (var m = 1; m <= Math.Min(moves, path.Length - 1); m++)
                {
                    at = at.AddHours(1 + random.Next(30));
                    lead.Stages.Add(path[m]);
                    lead.MoveTimes.Add(at);
                    Add(new LeadStageChanged { EventId = Guid.NewGuid(), OccurredAt = at, LeadId = lead.Id, ContactId = lead.ContactId, PipelineId = "default", FromStage = path[m - 1], ToStage = path[m], OwnerId = lead.Owner }, true);
                }

                var outcome = random.Next(3);
                var end = at.AddHours(1 + random.Next(300));
                if (outcome == 0)
                {
                    lead.WonAt = end;
                    Add(new LeadWon { EventId = Guid.NewGuid(), OccurredAt = end, LeadId = lead.Id, ContactId = lead.ContactId, PipelineId = "default", Stage = lead.Stages[^1], Amount = "100.00", Currency = "EUR", CapturedAt = captured, Channel = lead.Channel, Source = lead.Source, Campaign = lead.Campaign, OwnerId = lead.Owner }, true);
                }
                else if (outcome == 1)
                {
                    lead.LostAt = end;
                    Add(new LeadLost { EventId = Guid.NewGuid(), OccurredAt = end, LeadId = lead.Id, ContactId = lead.ContactId, PipelineId = "default", Stage = lead.Stages[^1], Reason = "price", CapturedAt = captured, Channel = lead.Channel, Source = lead.Source, OwnerId = lead.Owner }, true);
                }
            }
        }
    }

    private void GenerateOrders(Random random)
    {
        for (var c = 0; c < 30; c++)
        {
            var contact = $"{Prefix}-c{c}";
            var count = 1 + random.Next(4);
            for (var o = 0; o < count; o++)
            {
                // Mostly November; some in September and October (for retention and the LTV cohorts), a few in USD.
                var month = random.Next(5) switch { 0 => 9, 1 => 10, _ => 11 };
                var placed = new DateTimeOffset(Year, month, 1 + random.Next(28), random.Next(24), 0, 0, TimeSpan.Zero);
                var amount = (10 + random.Next(19000)) / 100m;
                var currency = random.Next(8) == 0 ? "USD" : "EUR";
                var order = new Order($"{Prefix}-o{c}-{o}", contact, placed, amount, currency);
                Orders.Add(order);
                Add(new OrderPlaced { EventId = Guid.NewGuid(), OccurredAt = placed.AddMinutes(1), OrderId = order.Id, ContactId = contact, Reference = "R" + o, Amount = amount.ToString("0.00", CultureInfo.InvariantCulture), Currency = currency, PlacedAt = placed }, true);
            }
        }
    }

    private void GenerateMessages(Random random)
    {
        string[] channels = ["email", "sms"];
        for (var m = 0; m < 40; m++)
        {
            var channel = channels[random.Next(2)];
            var sent = Nov(1 + random.Next(29), random.Next(24));
            var fate = random.Next(10);
            var message = new Message($"{Prefix}-m{m}", channel, sent, fate < 7, fate == 9);
            Messages.Add(message);
            Add(new MessageSent { EventId = Guid.NewGuid(), OccurredAt = sent, MessageId = message.Id, ContactId = "c", Channel = channel, Template = "welcome", To = "someone@example.com" }, false);
            if (message.Delivered)
            {
                Add(new MessageDelivered { EventId = Guid.NewGuid(), OccurredAt = sent.AddMinutes(1), MessageId = message.Id, ContactId = "c", Channel = channel, Status = "delivered", At = sent.AddMinutes(1) }, true);
                if (fate < 3)
                {
                    Add(new MessageDelivered { EventId = Guid.NewGuid(), OccurredAt = sent.AddMinutes(9), MessageId = message.Id, ContactId = "c", Channel = channel, Status = "read", At = sent.AddMinutes(9) }, true);
                }
            }

            if (message.Failed)
            {
                Add(new MessageFailed { EventId = Guid.NewGuid(), OccurredAt = sent.AddMinutes(2), MessageId = message.Id, ContactId = "c", Channel = channel, Reason = "bounce", At = sent.AddMinutes(2) }, true);
            }
        }

        for (var r = 0; r < 15; r++)
        {
            var reply = new Reply(channels[random.Next(2)], Nov(1 + random.Next(29), random.Next(24)), r % 3 != 0);
            Replies.Add(reply);
            Add(new InboundMessageReceived { EventId = Guid.NewGuid(), OccurredAt = reply.At, MessageId = $"{Prefix}-in{r}", ContactId = "c", ConversationId = $"{Prefix}-conv{r}", Channel = reply.Channel, IsReply = reply.IsReply }, false);
        }

        for (var r = 0; r < 12; r++)
        {
            var resolution = new Resolution(channels[random.Next(2)], r % 4 == 0 ? null : Reps[random.Next(3)].Rep, Nov(1 + random.Next(29), random.Next(24)), random.Next(2) == 0);
            Resolutions.Add(resolution);
            Add(new ConversationResolved { EventId = Guid.NewGuid(), OccurredAt = resolution.At, ConversationId = $"{Prefix}-conv-r{r}", ContactId = "c", Channel = resolution.Channel, OwnerRepId = resolution.Owner, OpenedAt = resolution.At.AddHours(-1), ResolutionSeconds = 3600, FirstContactResolution = resolution.FirstContact }, false);
        }
    }

    /// <summary>CSAT scores 1-5 on two channels, some of unassigned threads, some on days without a resolution.</summary>
    private void GenerateCsat(Random random)
    {
        string[] channels = ["email", "sms", "whatsapp"];
        for (var a = 0; a < 25; a++)
        {
            var answer = new CsatAnswer(channels[random.Next(3)], a % 5 == 0 ? null : Reps[random.Next(3)].Rep, Nov(1 + random.Next(30), random.Next(24), random.Next(60)), 1 + random.Next(5));
            CsatAnswers.Add(answer);
            Add(new ConversationCsatRecorded { EventId = Guid.NewGuid(), OccurredAt = answer.At, ConversationId = $"{Prefix}-conv-s{a}", ContactId = "c", Channel = answer.Channel, OwnerRepId = answer.Owner, Score = answer.Score, Source = a % 2 == 0 ? "survey-reply" : "web", ResolvedAt = answer.At.AddHours(-2) }, false);
        }
    }

    /// <summary>
    /// Segment joins and leaves of most contacts (each segment 0-3 changes, some at the same instant as the one before:
    /// a join and a leave at one instant leave the contact out), a few contacts never in a segment.
    /// </summary>
    private void GenerateSegments(Random random)
    {
        for (var c = 0; c < 45; c++)
        {
            if (random.Next(6) == 0)
            {
                continue;
            }

            foreach (var segment in Segments)
            {
                var at = Nov(1 + random.Next(20), random.Next(24));
                for (var changes = random.Next(4); changes > 0; changes--)
                {
                    var membership = new Membership($"{Prefix}-c{c}", segment, random.Next(3) != 0, at);
                    Memberships.Add(membership);
                    Add(new SegmentMembershipChanged { EventId = Guid.NewGuid(), OccurredAt = at, SegmentId = segment, SegmentVersion = 1, ContactId = membership.ContactId, Joined = membership.Joined }, true);
                    at = at.AddHours(random.Next(3) == 0 ? 0 : 1 + random.Next(48));
                }
            }
        }
    }

    /// <summary>Every publication in a shuffled order: each event once, some again with the same MessageId, and the idempotent ones sometimes under a new MessageId.</summary>
    public List<Func<IBus, Task>> Deliveries(int seed) => DeliveryPlan(seed).Select(d => d.Publish).ToList();

    /// <summary><see cref="Deliveries"/> with each publication's event type and MessageId.</summary>
    public List<(Func<IBus, Task> Publish, Type Type, Guid MessageId)> DeliveryPlan(int seed)
    {
        var random = new Random(seed);
        var deliveries = new List<(Func<IBus, Task>, Type, Guid)>();
        foreach (var ((publish, idempotent), type) in Events.Zip(EventTypes))
        {
            var id = NewId.NextGuid();
            deliveries.Add((bus => publish(bus, id), type, id));
            if (random.Next(5) == 0)
            {
                deliveries.Add((bus => publish(bus, id), type, id));
            }

            if (idempotent && random.Next(5) == 0)
            {
                var other = NewId.NextGuid();
                deliveries.Add((bus => publish(bus, other), type, other));
            }
        }

        return deliveries.OrderBy(_ => random.Next()).ToList();
    }

    private void Add<T>(T message, bool idempotentByItself)
        where T : class
    {
        Events.Add(((bus, id) => bus.Publish(message, ctx => ctx.MessageId = id), idempotentByItself));
        EventTypes.Add(typeof(T));
    }

    private static LeadAssigned Assigned(Lead lead, string rep, string team, DateTimeOffset at, string? previous) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, LeadId = lead.Id, ContactId = lead.ContactId, RepId = rep, RepName = rep, TeamId = team, PreviousRepId = previous };

    private static LeadActivityLogged Activity(Lead lead, string owner, DateTimeOffset at, string type)
    {
        lead.Activities.Add(new LeadActivity(owner, at, type));
        return new() { EventId = Guid.NewGuid(), OccurredAt = at.AddSeconds(5), LeadId = lead.Id, ContactId = lead.ContactId, ActivityId = Guid.NewGuid().ToString("N"), Type = type, At = at, OwnerId = owner };
    }

    private static SlaBreached Breach(Lead lead, string sla, DateTimeOffset at) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, LeadId = lead.Id, ContactId = lead.ContactId, RepId = lead.Owner!, TeamId = lead.Team, Sla = sla, StartedAt = at.AddMinutes(-30), Target = TimeSpan.FromMinutes(30) };
}
