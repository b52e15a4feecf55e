namespace Crm.Contacts.Consent;

/// <summary>
/// The consent rules, pure (no I/O, the time and the actor come with the change): applying a change to a contact's
/// state, combining two contacts' states for a merge (a refusal wins), and whether a message may be sent
/// (<see cref="MaySend"/>, in <c>ConsentRules.Send.cs</c>, which Messaging compiles too).
/// </summary>
internal static partial class ConsentRules
{
    /// <summary>The legal bases of GDPR art. 6 (1), lower-case kebab: a closed list.</summary>
    public static readonly IReadOnlyList<string> LegalBases = ["consent", "contract", "legal-obligation", "vital-interests", "public-task", "legitimate-interest"];

    /// <summary>
    /// <paramref name="state"/> after <paramref name="change"/> (a ledger entry: a channel's grant or withdrawal, or
    /// do-not-contact set or cleared): the channel's state is replaced by what the entry states, or the flag is. Every
    /// change counts, a repeat included (a grant of the same channel with a newer wording is the newer evidence).
    /// </summary>
    public static ContactConsent Apply(ContactConsent state, ConsentLedgerEntry change)
    {
        if (change.ContactId != state.Id)
        {
            throw new ArgumentException($"The change is for contact '{change.ContactId}', not '{state.Id}'.", nameof(change));
        }

        var next = state with { UpdatedAt = change.At, Version = state.Version + 1 };
        if (change.Channel is null)
        {
            return next with
            {
                DoNotContact = new DoNotContact
                {
                    Active = change.DoNotContact == true,
                    Reason = change.Reason,
                    Source = change.Source,
                    At = change.At,
                    By = change.By,
                },
            };
        }

        var channel = new ChannelConsent
        {
            Channel = change.Channel,
            Status = change.Status ?? throw new ArgumentException("A channel's change has a status.", nameof(change)),
            LegalBasis = change.LegalBasis,
            Source = change.Source,
            Wording = change.Wording,
            WordingVersion = change.WordingVersion,
            At = change.At,
            By = change.By,
        };
        return next with { Channels = Ordered(state.Channels.Where(c => c.Channel != change.Channel).Append(channel)) };
    }

    /// <summary>
    /// The consent of two records of one person (a merge of <paramref name="merged"/> into <paramref name="survivor"/>),
    /// resolved conservatively, whatever their times: per channel a withdrawal on either side wins (the later of two
    /// withdrawals), else a grant on either side (the later of two), else it stays unknown; do-not-contact is set when
    /// either has it set. The person may grant again on the survivor afterwards. The result is the survivor's document
    /// (its id, its version moved on).
    /// </summary>
    public static ContactConsent Combine(ContactConsent survivor, ContactConsent merged)
    {
        var channels = new List<ChannelConsent>();
        foreach (var name in ConsentChannels.All)
        {
            var both = new[] { survivor, merged }.Select(s => s.Channels.FirstOrDefault(c => c.Channel == name)).OfType<ChannelConsent>().ToList();
            var pick = Latest(both.Where(c => c.Status == ConsentStatus.Withdrawn)) ?? Latest(both.Where(c => c.Status == ConsentStatus.Granted));
            if (pick is not null)
            {
                channels.Add(pick);
            }
        }

        var flags = new[] { survivor.DoNotContact, merged.DoNotContact }.OfType<DoNotContact>().ToList();
        var doNotContact = flags.Where(f => f.Active).MaxBy(f => f.At) ?? flags.MaxBy(f => f.At);
        var updated = new[] { survivor.UpdatedAt, merged.UpdatedAt }.Max();
        return survivor with { Channels = channels, DoNotContact = doNotContact, UpdatedAt = updated, Version = survivor.Version + 1 };
    }

    /// <summary><see cref="MaySend(bool, string?, SendPurpose)"/> for a contact's stored state (null: nothing recorded).</summary>
    public static SendDecision MaySend(ContactConsent? state, string channel, SendPurpose purpose) =>
        MaySend(state?.IsDoNotContact == true, state?.StatusOf(channel), purpose);

    private static ChannelConsent? Latest(IEnumerable<ChannelConsent> consents) => consents.MaxBy(c => c.At);

    private static List<ChannelConsent> Ordered(IEnumerable<ChannelConsent> channels) =>
        [.. channels.OrderBy(c => IndexOf(c.Channel))];

    private static int IndexOf(string channel)
    {
        for (var i = 0; i < ConsentChannels.All.Count; i++)
        {
            if (ConsentChannels.All[i] == channel)
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}
