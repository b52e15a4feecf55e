using Crm.Messaging.Conversations;
using Xunit;

namespace Crm.Messaging.Tests.Conversations;

/// <summary>The conversation rules (pure): threads, first response, resolution, first-contact resolution, reopening, CSAT.</summary>
public sealed class ConversationRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static ConversationEntry In(string text = "hello") => new() { Id = Guid.NewGuid().ToString("N"), Direction = EntryKinds.In, At = T0, Text = text };

    private static ConversationEntry Out(string text = "answer") => new() { Id = Guid.NewGuid().ToString("N"), Direction = EntryKinds.Out, At = T0, Text = text };

    private static Conversation Opened(ContactOwner? owner = null) =>
        ConversationRules.Inbound(null, In(), "c1", "sms", "v1", owner, T0).Conversation;

    [Fact]
    public void A_first_message_opens_a_thread_owned_by_the_contacts_owner_else_unassigned()
    {
        var (owned, outcome) = ConversationRules.Inbound(null, In(), "c1", "sms", "v1", new ContactOwner { Id = "c1", RepId = "r1", TeamId = "t1", LeadId = "l1", AssignedAt = T0 }, T0);
        var unassigned = Opened();

        Assert.Equal((InboundOutcome.Opened, "open", "r1", "t1", "l1"), (outcome, owned.Status, owned.OwnerRepId, owned.OwnerTeamId, owned.LeadId));
        Assert.Null(unassigned.OwnerRepId);
    }

    [Fact]
    public void A_routed_owner_is_taken_only_by_an_unassigned_thread()
    {
        var routed = ConversationRules.Routed(Opened(), "r9", "t9");
        var owned = Opened(new ContactOwner { Id = "c1", RepId = "r1", TeamId = "t1", LeadId = "l1", AssignedAt = T0 });

        Assert.Equal(("r9", "t9"), (routed!.OwnerRepId, routed.OwnerTeamId));
        Assert.Null(ConversationRules.Routed(routed, "r8", null));
        Assert.Null(ConversationRules.Routed(owned, "r9", "t9"));
        Assert.Null(ConversationRules.Routed(Opened(), " ", null));
        Assert.Null(ConversationRules.Routed(Opened(), "r9", "")!.OwnerTeamId);
    }

    [Fact]
    public void The_first_reply_sets_the_first_response_time_and_a_new_message_makes_a_pending_thread_open_again()
    {
        var replied = ConversationRules.Reply(Opened(), Out(), T0.AddMinutes(7));
        var again = ConversationRules.Reply(replied, Out(), T0.AddMinutes(30));
        var (joined, outcome) = ConversationRules.Inbound(again, In(), "c1", "sms", "unused", null, T0.AddHours(1));

        Assert.Equal(("pending", 420d), (replied.Status, ConversationRules.FirstResponseSeconds(replied)));
        Assert.Equal((2, 420d), (again.Replies, ConversationRules.FirstResponseSeconds(again)));
        Assert.Equal((InboundOutcome.Joined, "open", "v1"), (outcome, joined.Status, joined.Id));
    }

    [Fact]
    public void One_reply_and_never_reopened_is_first_contact_resolution_and_a_reopen_ends_it()
    {
        var resolved = ConversationRules.Resolve(ConversationRules.Reply(Opened(), Out(), T0.AddMinutes(1)), Out("survey"), T0.AddMinutes(10))!;
        var (reopened, outcome) = ConversationRules.Inbound(resolved, In("one more thing"), "c1", "sms", "unused", null, T0.AddMinutes(20));
        var again = ConversationRules.Resolve(reopened, null, T0.AddMinutes(30))!;

        Assert.Equal((true, 600d, T0.AddMinutes(10)), (resolved.FirstContactResolution, ConversationRules.ResolutionSeconds(resolved), resolved.CsatRequestedAt));
        Assert.Equal((InboundOutcome.Reopened, "open", 1), (outcome, reopened.Status, reopened.Reopened));
        Assert.False(again.FirstContactResolution);
        Assert.Null(ConversationRules.Resolve(again, null, T0.AddHours(1)));
        Assert.False(ConversationRules.Resolve(ConversationRules.Reply(ConversationRules.Reply(Opened(), Out(), T0), Out(), T0), null, T0)!.FirstContactResolution);
        Assert.False(ConversationRules.Resolve(Opened(), null, T0)!.FirstContactResolution);
        Assert.False(ConversationRules.Resolve(ConversationRules.ReopenByHand(resolved, T0.AddHours(1))!, null, T0.AddHours(2))!.FirstContactResolution);
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData(" 1 ", 1)]
    [InlineData("4!", 4)]
    [InlineData("3.", 3)]
    [InlineData("0", null)]
    [InlineData("6", null)]
    [InlineData("45", null)]
    [InlineData("five", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void A_csat_answer_is_a_single_digit_from_1_to_5(string? text, int? score) =>
        Assert.Equal(score, ConversationRules.CsatScore(text));

    [Fact]
    public void The_csat_event_carries_the_score_its_source_the_owner_and_the_resolution_it_answers()
    {
        var owned = Opened(new ContactOwner { Id = "c1", RepId = "r1", TeamId = "t1", LeadId = "l1", AssignedAt = T0 });
        var resolved = ConversationRules.Resolve(owned, Out("survey"), T0.AddMinutes(5))!;
        var (scored, _) = ConversationRules.Inbound(resolved, In("2"), "c1", "sms", "unused", null, T0.AddMinutes(9));
        var web = ConversationRules.Csat(resolved, 5, T0.AddDays(1))!;
        var id = Guid.NewGuid();

        var reply = ConversationRules.CsatRecorded(scored, CsatSources.SurveyReply, id);
        var fromWeb = ConversationRules.CsatRecorded(web, CsatSources.Web, id);

        Assert.Equal(
            (id, T0.AddMinutes(9), "v1", "c1", "l1", "sms", "r1", "t1", 2, "survey-reply", T0.AddMinutes(5)),
            (reply.EventId, reply.OccurredAt, reply.ConversationId, reply.ContactId, reply.LeadId, reply.Channel, reply.OwnerRepId, reply.OwnerTeamId, reply.Score, reply.Source, reply.ResolvedAt));
        Assert.Equal((T0.AddDays(1), 5, "web", T0.AddMinutes(5)), (fromWeb.OccurredAt, fromWeb.Score, fromWeb.Source, fromWeb.ResolvedAt));
        Assert.Throws<InvalidOperationException>(() => ConversationRules.CsatRecorded(resolved, CsatSources.Web, id));
    }

    [Fact]
    public void A_score_while_the_survey_is_awaited_is_recorded_and_keeps_it_resolved_but_text_or_a_late_digit_reopens()
    {
        var resolved = ConversationRules.Resolve(ConversationRules.Reply(Opened(), Out(), T0), Out("survey"), T0.AddMinutes(5))!;

        var (scored, outcome) = ConversationRules.Inbound(resolved, In("4"), "c1", "sms", "unused", null, T0.AddMinutes(6));
        var (text, textOutcome) = ConversationRules.Inbound(resolved, In("thanks, but it broke again"), "c1", "sms", "unused", null, T0.AddMinutes(6));
        var (late, lateOutcome) = ConversationRules.Inbound(resolved, In("4"), "c1", "sms", "unused", null, T0.AddMinutes(5) + ConversationRules.CsatAnswerWindow + TimeSpan.FromMinutes(1));
        var (second, secondOutcome) = ConversationRules.Inbound(scored, In("2"), "c1", "sms", "unused", null, T0.AddMinutes(7));

        Assert.Equal((InboundOutcome.CsatAnswered, "resolved", 4, true), (outcome, scored.Status, scored.CsatScore, scored.FirstContactResolution));
        Assert.Equal((InboundOutcome.Reopened, "open"), (textOutcome, text.Status));
        Assert.Equal((InboundOutcome.Reopened, (int?)null), (lateOutcome, late.CsatScore));
        Assert.Equal((InboundOutcome.Reopened, 4), (secondOutcome, second.CsatScore));
        Assert.Null(ConversationRules.Csat(scored, 5, T0.AddMinutes(8)));
        Assert.Equal(5, ConversationRules.Csat(resolved, 5, T0.AddMinutes(8))!.CsatScore);
        Assert.Null(ConversationRules.Csat(Opened(), 5, T0));
    }

    [Fact]
    public void A_thread_keeps_its_newest_entries_only()
    {
        var conversation = Opened();
        for (var i = 0; i < ConversationRules.MaxEntries + 10; i++)
        {
            conversation = ConversationRules.Inbound(conversation, In($"m{i}"), "c1", "sms", "unused", null, T0).Conversation;
        }

        Assert.Equal(ConversationRules.MaxEntries, conversation.Entries.Count);
        Assert.Equal($"m{ConversationRules.MaxEntries + 9}", conversation.Entries[^1].Text);
    }

    [Fact]
    public void Erasure_empties_texts_subjects_and_addresses_and_keeps_the_figures()
    {
        var conversation = ConversationRules.Reply(Opened() with { Entries = [In("my secret") with { From = "+15550001", Subject = "s" }] }, Out(), T0.AddMinutes(1));

        var erased = conversation.Erased(T0.AddDays(1));

        Assert.All(erased.Entries, e => Assert.Equal(("", null, null), (e.Text, e.From, e.Subject)));
        Assert.Equal((conversation.Replies, conversation.FirstResponseAt, T0.AddDays(1), conversation.Version + 1), (erased.Replies, erased.FirstResponseAt, erased.ErasedAt, erased.Version));
    }
}
