using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Contacts.Consent;
using Crm.Contracts.Api.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Pressure;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Http;

namespace Crm.Messaging.Journeys;

/// <summary>The journey rules, pure (no I/O): conditions, re-entry, waits in the contact's zone, the channel of a send step, and a journey's validation.</summary>
public static partial class JourneyRules
{
    public static readonly TimeSpan MinWait = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(400);
    public const int MaxSteps = 50;
    public const int MaxConditions = 20;

    /// <summary>Whether every condition holds over <paramref name="facts"/>.</summary>
    public static bool Matches(IEnumerable<JourneyConditionDocument> conditions, IReadOnlyDictionary<string, IReadOnlyList<string>> facts) =>
        conditions.All(c => Holds(c, facts));

    /// <summary>
    /// One condition: <c>eq</c> / <c>in</c>: the field has one of the values (a list field: any of its items); <c>ne</c>:
    /// none of them; <c>exists</c> / <c>missing</c>: a value (non-empty) or none. Compared ordinally, ignoring case.
    /// </summary>
    public static bool Holds(JourneyConditionDocument condition, IReadOnlyDictionary<string, IReadOnlyList<string>> facts)
    {
        var present = facts.TryGetValue(condition.Field ?? string.Empty, out var values) && values.Any(v => v.Length > 0);
        var wanted = condition.Values ?? [];
        bool Any() => present && values!.Any(v => wanted.Contains(v, StringComparer.OrdinalIgnoreCase));
        return condition.Op switch
        {
            "eq" or "in" => Any(),
            "ne" => !Any(),
            "exists" => present,
            "missing" => !present,
            _ => false,
        };
    }

    /// <summary>
    /// Whether a contact whose latest enrollment is <paramref name="latest"/> enters now: an active one never enters twice;
    /// an ended one per the rule (<c>never</c>; <c>after</c> N days from its end; <c>always</c>).
    /// </summary>
    public static bool MayEnter(Journey journey, JourneyEnrollment? latest, DateTimeOffset now) =>
        latest is null
        || (latest.Status != EnrollmentStatus.Active && journey.Reentry switch
        {
            JourneyReentry.Always => true,
            JourneyReentry.After => (latest.EndedAt ?? latest.EnteredAt).AddDays(journey.ReentryAfterDays ?? 0) <= now,
            _ => false,
        });

    /// <summary>
    /// The first instant after <paramref name="now"/> at which the contact's wall clock shows <paramref name="time"/>
    /// (<see cref="PressureZones.Next"/>: DST gaps and overlaps), on their birthday when <paramref name="birthday"/> is
    /// given (29 February is the 28th in other years).
    /// </summary>
    public static DateTimeOffset NextTimeOfDay(DateTimeOffset now, TimeZoneInfo zone, TimeOnly time, DateOnly? birthday = null)
    {
        var next = PressureZones.Next(now, zone, time);
        if (birthday is not { } born)
        {
            return next;
        }

        for (var i = 0; i < 370; i++)
        {
            var local = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(next, zone).DateTime);
            if (IsBirthday(local, born))
            {
                return next;
            }

            next = PressureZones.Next(next, zone, time);
        }

        return next;
    }

    /// <summary>Whether <paramref name="day"/> is the birthday of someone born on <paramref name="born"/>.</summary>
    public static bool IsBirthday(DateOnly day, DateOnly born) =>
        day.Month == born.Month && (day.Day == born.Day || (born is { Month: 2, Day: 29 } && day.Day == 28 && !DateTime.IsLeapYear(day.Year)));

    /// <summary>
    /// The channel a send step uses for <paramref name="contact"/>: <paramref name="channel"/> when the contact has an
    /// address for it and consent allows the purpose, else <paramref name="fallback"/> on the same terms, else null.
    /// </summary>
    public static string? ChooseChannel(ContactCard contact, string channel, string? fallback, Func<string, string> purposeOf)
    {
        foreach (var candidate in fallback is null ? new[] { channel } : [channel, fallback])
        {
            var purpose = purposeOf(candidate) == TemplateChannels.Marketing ? SendPurpose.Marketing : SendPurpose.Transactional;
            var addresses = candidate == TemplateChannels.Email ? contact.Emails : contact.Phones;
            var address = addresses.Count > 0 ? addresses[0] : null;
            if (!string.IsNullOrWhiteSpace(address) && ConsentRules.MaySend(contact.DoNotContact, contact.ConsentOf(candidate), purpose).Allowed)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>What a branch condition reads of the contact (besides the trigger's fields).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> WithContact(IReadOnlyDictionary<string, IReadOnlyList<string>> facts, ContactCard contact)
    {
        var all = facts.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        all["contact.country"] = contact.Country is { } country ? [country] : [];
        all["contact.locale"] = contact.Locale is { } locale ? [locale] : [];
        all["contact.timeZone"] = contact.TimeZone is { } zone ? [zone] : [];
        all["contact.hasEmail"] = [contact.Emails.Count > 0 ? "true" : "false"];
        all["contact.hasPhone"] = [contact.Phones.Count > 0 ? "true" : "false"];
        return all;
    }

    public static bool TryParseDuration(string? text, out TimeSpan duration) =>
        TimeSpan.TryParseExact(text?.Trim(), ["c", "g"], CultureInfo.InvariantCulture, out duration) && duration >= MinWait && duration <= MaxWait;

    public static bool TryParseTimeOfDay(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text?.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    public static partial Regex IdShape();

    /// <summary>
    /// <paramref name="request"/> as journey <paramref name="id"/> (version and audit fields set by the caller), every bad
    /// field in <paramref name="errors"/> by its JSON path (<c>steps[2].template</c>). <paramref name="templateExists"/>:
    /// whether a template of a key exists on a channel (stored or default, any locale).
    /// </summary>
    public static Journey? Parse(string id, JourneyRequest request, Func<string, string, bool> templateExists, ValidationErrors errors)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add("name", "Required: at most 200 characters.");
        }

        var trigger = request.Trigger;
        if (trigger is null)
        {
            errors.Add("trigger", "Required: { event, conditions }.");
        }
        else if (trigger.Event is null || !JourneyEvents.Triggers.Contains(trigger.Event, StringComparer.Ordinal))
        {
            errors.Add("trigger.event", $"Required: one of {string.Join(", ", JourneyEvents.Triggers)}.");
        }

        var conditions = trigger?.Conditions ?? [];
        if (conditions.Count > MaxConditions)
        {
            errors.Add("trigger.conditions", $"At most {MaxConditions}.");
        }

        for (var i = 0; i < conditions.Count; i++)
        {
            CheckCondition(conditions[i], $"trigger.conditions[{i}]", errors);
        }

        var steps = request.Steps ?? [];
        if (steps.Count is 0 or > MaxSteps)
        {
            errors.Add("steps", $"Required: 1 to {MaxSteps} steps.");
        }

        for (var i = 0; i < steps.Count; i++)
        {
            CheckStep(steps, i, templateExists, errors);
        }

        if (id == DefaultJourneys.Welcome)
        {
            CheckWelcome(request, steps, errors);
        }

        var stopOn = request.StopOn ?? [];
        foreach (var stop in stopOn.Where(s => !JourneyStops.All.Contains(s, StringComparer.Ordinal)))
        {
            errors.Add("stopOn", $"Unknown '{stop}': {string.Join(", ", JourneyStops.All)}.");
        }

        var reentry = request.Reentry?.Rule ?? JourneyReentry.Never;
        if (!JourneyReentry.All.Contains(reentry, StringComparer.Ordinal))
        {
            errors.Add("reentry.rule", "never, after or always.");
        }
        else if (reentry == JourneyReentry.After && request.Reentry?.AfterDays is not (>= 1 and <= 3650))
        {
            errors.Add("reentry.afterDays", "Required with 'after': 1 to 3650 days.");
        }
        else if (reentry != JourneyReentry.After && request.Reentry?.AfterDays is not null)
        {
            errors.Add("reentry.afterDays", "Only with the rule 'after'.");
        }

        if (!errors.IsEmpty)
        {
            return null;
        }

        return new Journey
        {
            Id = id,
            JourneyId = id,
            Name = name!,
            Active = request.Active ?? true,
            TriggerEvent = trigger!.Event!,
            Conditions = conditions,
            Steps = steps,
            StopOn = stopOn.Distinct(StringComparer.Ordinal).ToList(),
            Reentry = reentry,
            ReentryAfterDays = reentry == JourneyReentry.After ? request.Reentry!.AfterDays : null,
        };
    }

    /// <summary>
    /// The welcome journey's message (pure): from step 0, branches followed over the event's fields, the first send step
    /// reached; null when there is none (or a step the welcome cannot run at once). The welcome journey holds only branches
    /// on the event's fields and sends (checked when stored), so it is decided without Contacts and without a timer.
    /// </summary>
    public static JourneyStepDocument? FirstSend(Journey journey, IReadOnlyDictionary<string, IReadOnlyList<string>> facts)
    {
        var step = 0;
        for (var run = 0; run <= journey.Steps.Count && step >= 0 && step < journey.Steps.Count; run++)
        {
            var current = journey.Steps[step];
            switch (current.Type)
            {
                case StepTypes.Send:
                    return current;
                case StepTypes.Branch:
                    step = current.If is null || Holds(current.If, facts) ? current.GoTo ?? step + 1 : step + 1;
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>The welcome journey runs at once on <c>LeadAssigned</c> and queues one message: branches on the event's fields and sends only.</summary>
    private static void CheckWelcome(JourneyRequest request, IReadOnlyList<JourneyStepDocument> steps, ValidationErrors errors)
    {
        if (request.Trigger?.Event is { } trigger && trigger != nameof(Crm.Contracts.Assignment.LeadAssigned))
        {
            errors.Add("trigger.event", "The welcome journey runs on LeadAssigned.");
        }

        for (var i = 0; i < steps.Count; i++)
        {
            switch (steps[i]?.Type)
            {
                case StepTypes.Branch when steps[i].If?.Field is { } field && field.StartsWith("contact.", StringComparison.Ordinal):
                    errors.Add($"steps[{i}].if.field", "The welcome journey decides on the event's fields (source, channel, campaign...), not contact.*.");
                    break;
                case StepTypes.Send when steps[i].FallbackChannel is not null:
                    errors.Add($"steps[{i}].fallbackChannel", "The welcome goes on its channel (without an address it is recorded skipped): no fallback.");
                    break;
                case StepTypes.Wait or StepTypes.WaitUntil:
                    errors.Add($"steps[{i}].type", "The welcome journey sends at once: branch and send steps only.");
                    break;
            }
        }

        if (request.StopOn is { Count: > 0 })
        {
            errors.Add("stopOn", "The welcome journey has no wait to stop: leave it empty.");
        }
    }

    private static void CheckCondition(JourneyConditionDocument? condition, string path, ValidationErrors errors)
    {
        if (condition is null)
        {
            errors.Add(path, "Required: { field, op, values }.");
            return;
        }

        if (string.IsNullOrWhiteSpace(condition.Field) || condition.Field.Length > 100)
        {
            errors.Add($"{path}.field", "Required: a field name (at most 100 characters).");
        }

        switch (condition.Op)
        {
            case "eq" or "in" or "ne":
                if (condition.Values is not { Count: > 0 and <= 100 } || condition.Values.Any(string.IsNullOrEmpty))
                {
                    errors.Add($"{path}.values", "Required: 1 to 100 non-empty values.");
                }

                break;
            case "exists" or "missing":
                if (condition.Values is { Count: > 0 })
                {
                    errors.Add($"{path}.values", $"None with '{condition.Op}'.");
                }

                break;
            default:
                errors.Add($"{path}.op", "Required: eq, in, ne, exists or missing.");
                break;
        }
    }

    private static void CheckStep(IReadOnlyList<JourneyStepDocument> steps, int i, Func<string, string, bool> templateExists, ValidationErrors errors)
    {
        var step = steps[i];
        var path = $"steps[{i}]";
        if (step is null)
        {
            errors.Add(path, "Required: a step.");
            return;
        }

        switch (step.Type)
        {
            case StepTypes.Wait:
                if (!TryParseDuration(step.Duration, out _))
                {
                    errors.Add($"{path}.duration", "Required: d.hh:mm:ss from 00:01:00 to 400.00:00:00 (e.g. 1.00:00:00).");
                }

                break;
            case StepTypes.WaitUntil:
                if (!TryParseTimeOfDay(step.TimeOfDay, out _))
                {
                    errors.Add($"{path}.timeOfDay", "Required: HH:mm (e.g. 09:00).");
                }

                break;
            case StepTypes.Send:
                var channelOk = step.Channel is not null && TemplateChannels.All.Contains(step.Channel, StringComparer.Ordinal);
                if (!channelOk)
                {
                    errors.Add($"{path}.channel", "Required: email, sms or whatsapp.");
                }

                var fallbackOk = step.FallbackChannel is null || (TemplateChannels.All.Contains(step.FallbackChannel, StringComparer.Ordinal) && step.FallbackChannel != step.Channel);
                if (!fallbackOk)
                {
                    errors.Add($"{path}.fallbackChannel", "email, sms or whatsapp, other than the channel; or leave it out.");
                }

                if (step.Template is null || !IdShape().IsMatch(step.Template))
                {
                    errors.Add($"{path}.template", "Required: a template key (lower-case letters, digits and '-', at most 64).");
                }
                else
                {
                    if (channelOk && !templateExists(step.Template, step.Channel!))
                    {
                        errors.Add($"{path}.template", $"Unknown template '{step.Template}' on {step.Channel}: store it first (PUT /api/messaging/templates/{step.Template}/{step.Channel}/{{locale}}).");
                    }

                    if (step.FallbackChannel is not null && fallbackOk && !templateExists(step.Template, step.FallbackChannel))
                    {
                        errors.Add($"{path}.fallbackChannel", $"Unknown template '{step.Template}' on {step.FallbackChannel}.");
                    }
                }

                break;
            case StepTypes.Branch:
                if (step.GoTo is not { } to || to < 0 || to >= steps.Count || to == i)
                {
                    errors.Add($"{path}.goTo", $"Required: another step, 0 to {steps.Count - 1}.");
                }
                else if (to < i && !steps.Skip(to).Take(i - to).Any(s => s?.Type is StepTypes.Wait or StepTypes.WaitUntil))
                {
                    errors.Add($"{path}.goTo", "A jump back must pass a wait or wait-until step (else it loops at once).");
                }

                if (step.If is not null)
                {
                    CheckCondition(step.If, $"{path}.if", errors);
                }

                break;
            default:
                errors.Add($"{path}.type", "Required: wait, wait-until, send or branch.");
                return;
        }

        // A field of another step type is named, not ignored.
        (string Name, object? Value)[] optional =
            [("duration", step.Duration), ("timeOfDay", step.TimeOfDay), ("onBirthday", step.OnBirthday), ("template", step.Template),
             ("channel", step.Channel), ("fallbackChannel", step.FallbackChannel), ("if", step.If), ("goTo", step.GoTo)];
        foreach (var (name, value) in optional)
        {
            if (value is not null && !StepFields[step.Type].Contains(name, StringComparer.Ordinal))
            {
                errors.Add($"{path}.{name}", $"Not a field of a '{step.Type}' step.");
            }
        }
    }

    /// <summary>The fields each step type takes (besides <c>type</c>).</summary>
    private static readonly Dictionary<string, string[]> StepFields = new(StringComparer.Ordinal)
    {
        [StepTypes.Wait] = ["duration"],
        [StepTypes.WaitUntil] = ["timeOfDay", "onBirthday"],
        [StepTypes.Send] = ["template", "channel", "fallbackChannel"],
        [StepTypes.Branch] = ["if", "goTo"],
    };
}
