namespace Crm.Benchmarks;

// The counting of `./crm bench consent-race`, pure and self-contained: tests/Crm.Contacts.Tests compiles this same file
// (linked) to test it.

/// <summary>
/// One race of the benchmark: a contact's withdrawal as Contacts recorded it (<see cref="CommittedAt"/>, the ledger
/// entry's <c>at</c>), when its answer arrived (<see cref="AnsweredAt"/>), and when each SMS for the contact reached the
/// loopback provider (<see cref="Arrivals"/>, the listener's clock). All on one machine's clock.
/// </summary>
public sealed record ConsentRace(string ContactId, DateTimeOffset CommittedAt, DateTimeOffset AnsweredAt, IReadOnlyList<DateTimeOffset> Arrivals);

/// <summary>
/// What the races came to: <see cref="SentBefore"/> races whose message reached the provider before the withdrawal
/// committed, <see cref="After"/> races with a message after it (the goal: 0), <see cref="NotSent"/> races whose message
/// was refused, <see cref="AfterAnswer"/> races with a message after the withdrawal's answer (the lenient count), and
/// <see cref="Duplicates"/> races whose message arrived more than once.
/// </summary>
public sealed record ConsentRaceCount(int Races, int SentBefore, int After, int NotSent, int AfterAnswer, int Duplicates)
{
    /// <summary>
    /// Counts <paramref name="races"/>. The ledger's <c>at</c> is taken by Contacts before its commit, so it is a lower
    /// bound of the commit instant, and an arrival is timed when the listener's handler runs, after the request came:
    /// both can only make a message look later than it was against the commit, so <see cref="After"/> over-counts, never
    /// under-counts. The ledger's <c>at</c> is whole milliseconds (truncated): an arrival is after it only when its
    /// own whole millisecond is later. The answer is received after the commit (an upper bound): <see cref="AfterAnswer"/>
    /// under-counts, and is printed beside it only to show the gap between the two bounds.
    /// </summary>
    public static ConsentRaceCount Of(IEnumerable<ConsentRace> races)
    {
        int total = 0, before = 0, after = 0, notSent = 0, afterAnswer = 0, duplicates = 0;
        foreach (var race in races)
        {
            total++;
            if (race.Arrivals.Count == 0)
            {
                notSent++;
                continue;
            }

            if (race.Arrivals.Count > 1)
            {
                duplicates++;
            }

            var committedMs = race.CommittedAt.ToUnixTimeMilliseconds();
            if (race.Arrivals.Any(a => a.ToUnixTimeMilliseconds() > committedMs))
            {
                after++;
            }
            else
            {
                before++;
            }

            if (race.Arrivals.Any(a => a > race.AnsweredAt))
            {
                afterAnswer++;
            }
        }

        return new ConsentRaceCount(total, before, after, notSent, afterAnswer, duplicates);
    }

    /// <summary>The benchmark's lines: the goal line first (<c>[goal] consent-race: ...</c>).</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"[goal] consent-race: {Races} races, {SentBefore} sent before, {After} after the withdrawal committed (goal 0: {(GoalMet ? "met" : "NOT met")})";
        yield return $"  not sent (refused at the send or at the hand-off): {NotSent}; after the withdrawal's answer: {AfterAnswer}; arrived more than once: {Duplicates}";
    }

    /// <summary>No message reached the provider after its withdrawal committed.</summary>
    public bool GoalMet => After == 0;
}
