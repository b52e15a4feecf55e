namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// A stored document: a record with an id (unique in its collection) and a version for optimistic concurrency.
/// The layer serialises it with <see cref="DocumentJson.Options"/>: camelCase, enums as lower-case strings, times as
/// UTC with milliseconds, nulls left out.
/// </summary>
public interface IDocument
{
    string Id { get; }

    long Version { get; }
}
