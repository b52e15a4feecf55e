using System.Text.Json;
using Crm.Contacts.Contacts;

namespace Crm.Contacts.Merge;

/// <summary>What a merge makes of the survivor: the profile, which contact's value won each field, and the fields that changed.</summary>
public sealed record MergePlan(Contact Survivor, IReadOnlyDictionary<string, string> Chosen, IReadOnlyList<string> ChangedFields);

/// <summary>What an un-merge makes of the survivor: its profile and the fields that changed.</summary>
public sealed record UnmergePlan(Contact Survivor, IReadOnlyList<string> ChangedFields);

/// <summary>
/// Survivorship, pure: which value of several records of one person the survivor keeps, and what it gives back on an
/// un-merge. Per field, a request's explicit choice (a contact id) wins; else the rule of <see cref="MergeRules"/>:
/// <c>mostRecent</c> (the most recently updated contact with a non-empty value; ties go to the survivor, then the
/// merged contacts in the order given), <c>survivor</c> (its value, else most recent), <c>oldest</c> (the first created
/// contact with a non-empty value). E-mails, phones, external ids and tags are united (the survivor's first, then each
/// merged contact's in order, each value once); the <c>emails</c> / <c>phones</c> rule picks whose primary comes first.
/// Custom fields: every key of any contact, each picked like a field (<c>customFields.&lt;key&gt;</c>).
/// </summary>
public static class MergePlanning
{
    public static MergePlan Plan(Contact survivor, IReadOnlyList<Contact> merged, MergeRules rules, IReadOnlyDictionary<string, string> choices, DateTimeOffset now)
    {
        var all = new List<Contact>(merged.Count + 1) { survivor };
        all.AddRange(merged);
        var chosen = new Dictionary<string, string>(StringComparer.Ordinal);

        Contact Pick(string field, Func<Contact, bool> hasValue)
        {
            var winner = choices.TryGetValue(field, out var id) && all.FirstOrDefault(c => c.Id == id) is { } picked
                ? picked
                : Winner(all, rules.RuleOf(field), hasValue);
            if (winner is not null && hasValue(winner))
            {
                chosen[field] = winner.Id;
            }

            return winner ?? survivor;
        }

        var emailsFrom = Pick("emails", c => c.Emails.Count > 0);
        var phonesFrom = Pick("phones", c => c.Phones.Count > 0);
        var customFields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var key in all.SelectMany(c => c.CustomFields.Keys).Distinct(StringComparer.Ordinal))
        {
            var from = Pick(MergeRules.CustomFieldPrefix + key, c => c.CustomFields.ContainsKey(key));
            if (from.CustomFields.TryGetValue(key, out var value))
            {
                customFields[key] = value;
            }
        }

        var result = survivor with
        {
            Name = Pick("name", c => !string.IsNullOrEmpty(c.Name)).Name,
            Emails = Union(emailsFrom.Emails.Take(1).Concat(all.SelectMany(c => c.Emails))),
            Phones = Union(phonesFrom.Phones.Take(1).Concat(all.SelectMany(c => c.Phones))),
            ExternalIds = [.. all.SelectMany(c => c.ExternalIds).Distinct()],
            Locale = Pick("locale", c => c.Locale is not null).Locale,
            TimeZone = Pick("timeZone", c => c.TimeZone is not null).TimeZone,
            Country = Pick("country", c => c.Country is not null).Country,
            Region = Pick("region", c => c.Region is not null).Region,
            Birthday = Pick("birthday", c => c.Birthday is not null).Birthday,
            Address = Pick("address", c => c.Address is not null).Address,
            LifecycleStage = Pick("lifecycleStage", _ => true).LifecycleStage,
            Tags = Union(all.SelectMany(c => c.Tags)),
            CustomFields = customFields,
            UpdatedAt = now,
            Version = survivor.Version + 1,
        };
        return new MergePlan(result, chosen, Changed(survivor, result));
    }

    /// <summary>
    /// The survivor after an un-merge, the simplest honest rule: a field the survivor still has as the merge left it
    /// (<paramref name="after"/>) gets its pre-merge value (<paramref name="before"/>) back; a field changed since the
    /// merge keeps its current value (a later edit is not undone). E-mails, phones, external ids and tags that the merge
    /// brought in (in <paramref name="after"/>, not in <paramref name="before"/>) leave it; values added since stay.
    /// Custom fields per key alike.
    /// </summary>
    public static UnmergePlan Unmerge(Contact current, Contact before, Contact after, DateTimeOffset now)
    {
        T Back<T>(T value, T was, T merged) => EqualityComparer<T>.Default.Equals(value, merged) ? was : value;
        IReadOnlyList<T> Without<T>(IReadOnlyList<T> values, IReadOnlyList<T> was, IReadOnlyList<T> merged)
        {
            var broughtIn = merged.Except(was).ToHashSet();
            var kept = values.Where(v => !broughtIn.Contains(v)).ToList();
            // The survivor's own primary comes first again when the merge had put another one first.
            return was.Count > 0 && kept.Contains(was[0]) && merged.Count > 0 && values.Count > 0 && Equals(values[0], merged[0])
                ? [was[0], .. kept.Where(v => !Equals(v, was[0]))]
                : kept;
        }

        var customFields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var key in current.CustomFields.Keys.Union(before.CustomFields.Keys, StringComparer.Ordinal))
        {
            var hasNow = current.CustomFields.TryGetValue(key, out var valueNow);
            var hasMerged = after.CustomFields.TryGetValue(key, out var valueMerged);
            var unchanged = hasNow == hasMerged && (!hasNow || JsonElement.DeepEquals(valueNow, valueMerged));
            var source = unchanged ? before.CustomFields : current.CustomFields;
            if (source.TryGetValue(key, out var value))
            {
                customFields[key] = value;
            }
        }

        var result = current with
        {
            Name = Back(current.Name, before.Name, after.Name),
            Emails = Without(current.Emails, before.Emails, after.Emails),
            Phones = Without(current.Phones, before.Phones, after.Phones),
            ExternalIds = Without(current.ExternalIds, before.ExternalIds, after.ExternalIds),
            Locale = Back(current.Locale, before.Locale, after.Locale),
            TimeZone = Back(current.TimeZone, before.TimeZone, after.TimeZone),
            Country = Back(current.Country, before.Country, after.Country),
            Region = Back(current.Region, before.Region, after.Region),
            Birthday = Back(current.Birthday, before.Birthday, after.Birthday),
            Address = Back(current.Address, before.Address, after.Address),
            LifecycleStage = Back(current.LifecycleStage, before.LifecycleStage, after.LifecycleStage),
            Tags = Without(current.Tags, before.Tags, after.Tags),
            CustomFields = customFields,
            UpdatedAt = now,
            Version = current.Version + 1,
        };
        return new UnmergePlan(result, Changed(current, result));
    }

    /// <summary>The API names of the profile fields that differ between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static IReadOnlyList<string> Changed(Contact a, Contact b)
    {
        var changed = new List<string>();
        void Check(string field, bool same)
        {
            if (!same)
            {
                changed.Add(field);
            }
        }

        Check("name", a.Name == b.Name);
        Check("emails", a.Emails.SequenceEqual(b.Emails));
        Check("phones", a.Phones.SequenceEqual(b.Phones));
        Check("externalIds", a.ExternalIds.SequenceEqual(b.ExternalIds));
        Check("locale", a.Locale == b.Locale);
        Check("timeZone", a.TimeZone == b.TimeZone);
        Check("country", a.Country == b.Country);
        Check("region", a.Region == b.Region);
        Check("birthday", a.Birthday == b.Birthday);
        Check("address", a.Address == b.Address);
        Check("lifecycleStage", a.LifecycleStage == b.LifecycleStage);
        Check("tags", a.Tags.SequenceEqual(b.Tags));
        Check("customFields", a.CustomFields.Count == b.CustomFields.Count
            && a.CustomFields.All(f => b.CustomFields.TryGetValue(f.Key, out var other) && JsonElement.DeepEquals(f.Value, other)));
        return changed;
    }

    private static Contact? Winner(List<Contact> all, SurvivorshipRule rule, Func<Contact, bool> hasValue)
    {
        var candidates = all.Where(hasValue).ToList();
        return rule switch
        {
            SurvivorshipRule.Survivor when hasValue(all[0]) => all[0],
            SurvivorshipRule.Oldest => candidates.OrderBy(c => c.CreatedAt).ThenBy(c => all.IndexOf(c)).FirstOrDefault(),
            _ => candidates.OrderByDescending(c => c.UpdatedAt).ThenBy(c => all.IndexOf(c)).FirstOrDefault(),
        };
    }

    private static List<string> Union(IEnumerable<string> values) => [.. values.Distinct(StringComparer.Ordinal)];
}
