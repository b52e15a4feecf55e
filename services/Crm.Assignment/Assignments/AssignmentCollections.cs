using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Assignment.Notifications;
using Crm.Assignment.Rules;
using Crm.Assignment.Sla;
using Crm.Assignment.Teams;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Assignments;

/// <summary>Assignment's collections: reps, the leads it has seen scored, and the round-robin state.</summary>
public static class AssignmentCollections
{
    /// <summary>Reps by id (UUID v7, so in creation order). Every routing pass reads them all (the rules' pools are chosen from them).</summary>
    public static readonly DocumentCollection<Rep> Reps = new("reps");

    /// <summary>Leads by lead id; the <c>backlog</c> index serves the waiting leads in serving order, <c>rep_status</c> a rep's open leads.</summary>
    public static readonly DocumentCollection<LeadAssignment> Leads = new DocumentCollection<LeadAssignment>("lead_assignments")
        .Index("backlog", i => i.Asc(x => x.Status).Asc(x => x.GradeRank).Asc(x => x.QueuedAt).Asc(x => x.Id))
        .Index("rep_status", i => i.Asc(x => x.RepId).Asc(x => x.Status).Asc(x => x.Id))
        .Index("contact", i => i.Asc(x => x.ContactId).Asc(x => x.Id));

    public static readonly DocumentCollection<RoutingState> Routing = new("routing_state");

    /// <summary>The assignment rules and lead units (one document).</summary>
    public static readonly DocumentCollection<RoutingRules> Rules = new("routing_rules");

    /// <summary>The SLA policies (one document).</summary>
    public static readonly DocumentCollection<SlaPolicies> SlaPolicies = new("sla_policies");

    /// <summary>Teams by id, with their lead and manager.</summary>
    public static readonly DocumentCollection<Team> Teams = new("teams");

    /// <summary>Notifications; the <c>rep</c> index serves a rep's newest first, all or unread only.</summary>
    public static readonly DocumentCollection<Notification> Notifications = new DocumentCollection<Notification>("notifications")
        .Index("rep", i => i.Asc(x => x.RepId).Asc(x => x.Id))
        .Index("rep_unread", i => i.Asc(x => x.RepId).Asc(x => x.Unread).Asc(x => x.Id));

    /// <summary>Where each conversation without a lead owner was routed (by conversation id; read by id only).</summary>
    public static readonly DocumentCollection<Conversations.ConversationRoute> ConversationRoutes = new("conversation_routes");

    public static IDocumentCollection[] All { get; } = [Reps, Leads, Routing, Rules, SlaPolicies, Teams, Notifications, ConversationRoutes];
}
