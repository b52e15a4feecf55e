using Crm.Assignment.Assignments;
using Crm.Contracts.Api;
using Xunit;

namespace Crm.Assignment.Tests.Assignments;

/// <summary>What a close or reopen does to a lead in Assignment (pure), in and out of order.</summary>
public sealed class LeadClosureTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static LeadAssignment Lead(LeadStatus status, string? rep = null) => new()
    {
        Id = "lead-1", ContactId = "c-1", Grade = Grade.Warm, Score = 12, ScoredAt = T0, QueuedAt = T0, Status = status, RepId = rep,
    };

    [Fact]
    public void Closing_an_assigned_lead_frees_capacity_closing_a_waiting_one_does_not()
    {
        var (assigned, frees) = LeadClosure.Close(Lead(LeadStatus.Assigned, "rep-1"), "won", T0.AddHours(1));
        Assert.Equal((LeadStatus.Closed, "won", "rep-1", true), (assigned.Status, assigned.ClosedAs, assigned.RepId, frees));

        var (waiting, freesWaiting) = LeadClosure.Close(Lead(LeadStatus.Backlog), "lost", T0.AddHours(1));
        Assert.Equal((LeadStatus.Closed, "lost", false), (waiting.Status, waiting.ClosedAs, freesWaiting));
    }

    [Fact]
    public void A_second_close_and_a_closure_older_than_the_last_change_nothing()
    {
        var (closed, _) = LeadClosure.Close(Lead(LeadStatus.Assigned, "rep-1"), "won", T0.AddHours(2));
        Assert.Equal((closed, false), LeadClosure.Close(closed, "lost", T0.AddHours(3)));

        var (reopened, retakes) = LeadClosure.Reopen(closed, T0.AddHours(3));
        Assert.Equal((LeadStatus.Assigned, (string?)null, true), (reopened.Status, reopened.ClosedAs, retakes));
        Assert.Equal((reopened, false), LeadClosure.Close(reopened, "lost", T0.AddHours(2.5)));
        Assert.Equal((reopened, false), LeadClosure.Reopen(reopened, T0.AddHours(4)));
    }

    [Fact]
    public void A_reopened_lead_that_never_had_a_rep_waits_in_the_backlog_again()
    {
        var (closed, _) = LeadClosure.Close(Lead(LeadStatus.Backlog), "lost", T0.AddHours(1));
        var (reopened, retakes) = LeadClosure.Reopen(closed, T0.AddHours(2));
        Assert.Equal((LeadStatus.Backlog, T0.AddHours(2), false), (reopened.Status, reopened.QueuedAt, retakes));
    }
}
