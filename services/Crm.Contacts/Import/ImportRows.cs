using System.Globalization;
using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contacts.Profile;
using Crm.Contracts.Api.Contacts;

namespace Crm.Contacts.Import;

/// <summary>What a row says beyond its identities (and name); blank cells are null (nothing to learn).</summary>
public sealed record ImportProfile
{
    public string? Locale { get; init; }
    public string? TimeZone { get; init; }
    public string? Country { get; init; }
    public string? Region { get; init; }
    public DateOnly? Birthday { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public LifecycleStage? LifecycleStage { get; init; }

    public static readonly ImportProfile None = new();

    /// <summary>
    /// The contact after learning this row: a new contact takes every value; an existing one only fills what it lacks
    /// (an import never overwrites what is known, nor moves a lifecycle stage) and gains the tags it lacks. Returns the
    /// API names of the fields that changed.
    /// </summary>
    public (Contact Contact, IReadOnlyList<string> Changed) ApplyTo(Contact contact, bool created)
    {
        var changed = new List<string>();
        T? Fill<T>(T? current, T? value, string field)
        {
            if (current is null && value is not null)
            {
                changed.Add(field);
                return value;
            }

            return current;
        }

        var tags = contact.Tags.Concat(Tags.Where(t => !contact.Tags.Contains(t, StringComparer.Ordinal))).Take(ProfileValues.MaxTags).ToList();
        if (tags.Count != contact.Tags.Count)
        {
            changed.Add("tags");
        }

        var stage = contact.LifecycleStage;
        if (created && LifecycleStage is { } given && given != stage)
        {
            stage = given;
            changed.Add("lifecycleStage");
        }

        var after = contact with
        {
            Locale = Fill(contact.Locale, Locale, "locale"),
            TimeZone = Fill(contact.TimeZone, TimeZone, "timeZone"),
            Country = Fill(contact.Country, Country, "country"),
            Region = Fill(contact.Region, Region, "region"),
            Birthday = contact.Birthday ?? Birthday,
            Tags = tags,
            LifecycleStage = stage,
        };
        if (contact.Birthday is null && Birthday is not null)
        {
            changed.Add("birthday");
        }

        return (changed.Count == 0 ? contact : after, changed);
    }
}

/// <summary>A row read and normalised: what to resolve (name, identities) and what the contact may learn.</summary>
public sealed record ImportRow(long Row, ResolveCommand Command, ImportProfile Profile);

/// <summary>Why a row was rejected: its column (empty for the row as a whole) and the reason, never the value.</summary>
public sealed record ImportRowError(string Column, string Reason);

/// <summary>Reads one row's cells into an <see cref="ImportRow"/> with the platform's normalisers, or every error (pure).</summary>
public static class ImportRows
{
    public const char TagSeparator = ';';

    /// <param name="cells">The cells of <paramref name="columns"/>, in that order (null or blank: empty).</param>
    /// <param name="today">For birthdays (not in the future).</param>
    public static ImportRow? Parse(long row, IReadOnlyList<ImportColumn> columns, IReadOnlyList<string?> cells, string region, DateOnly today, List<ImportRowError> errors)
    {
        string? name = null, email = null, phone = null;
        var externalIds = new List<ContactIdentity>();
        var profile = new ImportProfile();
        var start = errors.Count;
        for (var i = 0; i < columns.Count; i++)
        {
            var cell = cells[i];
            if (string.IsNullOrWhiteSpace(cell))
            {
                continue;
            }

            var column = columns[i];
            string? Value(NormalizationResult result)
            {
                if (result.IsValid)
                {
                    return result.Value;
                }

                errors.Add(new ImportRowError(column.Column, result.Error));
                return null;
            }

            switch (column.Field.Kind)
            {
                case ImportFieldKind.Name:
                    name = cell.Trim();
                    if (name.Length > ResolveInput.MaxNameLength)
                    {
                        errors.Add(new ImportRowError(column.Column, $"must be at most {ResolveInput.MaxNameLength} characters"));
                    }

                    break;
                case ImportFieldKind.Email:
                    email = Value(EmailNormalizer.Normalize(cell));
                    break;
                case ImportFieldKind.Phone:
                    phone = Value(PhoneNormalizer.Normalize(cell, region));
                    break;
                case ImportFieldKind.ExternalId:
                    if (Value(ProfileValues.ExternalValue(cell)) is { } external)
                    {
                        externalIds.Add(ContactIdentity.External(column.Field.Scheme!, external));
                    }

                    break;
                case ImportFieldKind.Locale:
                    profile = profile with { Locale = Value(ProfileValues.Locale(cell)) };
                    break;
                case ImportFieldKind.TimeZone:
                    profile = profile with { TimeZone = Value(ProfileValues.TimeZone(cell)) };
                    break;
                case ImportFieldKind.Country:
                    profile = profile with { Country = Value(ProfileValues.Country(cell)) };
                    break;
                case ImportFieldKind.Region:
                    profile = profile with { Region = Value(ProfileValues.Region(cell)) };
                    break;
                case ImportFieldKind.Birthday:
                    profile = profile with { Birthday = Birthday(cell, today, column, errors) };
                    break;
                case ImportFieldKind.Tags:
                    profile = profile with { Tags = Tags(cell, column, errors) };
                    break;
                case ImportFieldKind.LifecycleStage:
                    profile = profile with { LifecycleStage = Stage(cell, column, errors) };
                    break;
            }
        }

        if (errors.Count > start)
        {
            return null;
        }

        if (email is null && phone is null && externalIds.Count == 0)
        {
            errors.Add(new ImportRowError(string.Empty, "no e-mail, phone or external id: the row cannot be recognised"));
            return null;
        }

        return new ImportRow(row, new ResolveCommand { Name = name, Email = email, Phone = phone, ExternalIds = externalIds }, profile);
    }

    private static DateOnly? Birthday(string cell, DateOnly today, ImportColumn column, List<ImportRowError> errors)
    {
        if (!DateOnly.TryParseExact(cell.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthday))
        {
            errors.Add(new ImportRowError(column.Column, "must be a date (yyyy-MM-dd)"));
            return null;
        }

        if (ProfileValues.BirthdayProblem(birthday, today) is { } problem)
        {
            errors.Add(new ImportRowError(column.Column, problem));
            return null;
        }

        return birthday;
    }

    private static List<string> Tags(string cell, ImportColumn column, List<ImportRowError> errors)
    {
        var tags = new List<string>();
        foreach (var part in cell.Split(TagSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var tag = ProfileValues.Tag(part);
            if (!tag.IsValid)
            {
                errors.Add(new ImportRowError(column.Column, $"tag {tag.Error}"));
            }
            else if (!tags.Contains(tag.Value, StringComparer.Ordinal))
            {
                tags.Add(tag.Value);
            }
        }

        return tags;
    }

    private static LifecycleStage? Stage(string cell, ImportColumn column, List<ImportRowError> errors)
    {
        var text = cell.Trim();
        if (Enum.TryParse<LifecycleStage>(text, ignoreCase: true, out var stage) && !int.TryParse(text, out _))
        {
            return stage;
        }

        errors.Add(new ImportRowError(column.Column, $"must be one of {string.Join(", ", Enum.GetNames<LifecycleStage>().Select(n => n.ToLowerInvariant()))}"));
        return null;
    }
}
