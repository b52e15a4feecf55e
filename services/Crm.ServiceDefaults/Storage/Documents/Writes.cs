namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// One write of a commit. Built with <see cref="Write"/> (or by a <see cref="UnitOfWork"/>); a store applies a list
/// of them in one transaction, all or none.
/// </summary>
public abstract record WriteOperation(IDocumentCollection Collection);

/// <summary>Inserts the document; <see cref="DuplicateKeyException"/> when its id (or a unique index) is taken, unless <see cref="IgnoreIfExists"/> and the id exists.</summary>
public sealed record InsertWrite(IDocumentCollection Collection, IDocument Document, bool IgnoreIfExists) : WriteOperation(Collection);

/// <summary>
/// Writes the whole document. With <see cref="ExpectedVersion"/>: only over the stored document of that version,
/// else <see cref="ConcurrencyException"/>; without: inserts or overwrites.
/// </summary>
public sealed record ReplaceWrite(IDocumentCollection Collection, IDocument Document, long? ExpectedVersion) : WriteOperation(Collection);

/// <summary>Deletes the documents the filter matches; <see cref="ConcurrencyException"/> when <see cref="ExpectOne"/> and none matched.</summary>
public sealed record DeleteWrite(IDocumentCollection Collection, FilterNode Filter, bool ExpectOne) : WriteOperation(Collection);

/// <summary>Applies the update to every document the filter matches; <see cref="ConcurrencyException"/> when <see cref="ExpectOne"/> and none matched.</summary>
public sealed record UpdateWrite(IDocumentCollection Collection, FilterNode Filter, IReadOnlyList<UpdateOperation> Update, bool ExpectOne) : WriteOperation(Collection);

/// <summary>Applies the update to the document with <see cref="Seed"/>'s id; when there is none, inserts <see cref="Seed"/> with the update applied.</summary>
public sealed record UpsertWrite(IDocumentCollection Collection, IDocument Seed, IReadOnlyList<UpdateOperation> Update) : WriteOperation(Collection);

/// <summary>Typed constructors of <see cref="WriteOperation"/>s.</summary>
public static class Write
{
    public static WriteOperation Insert<T>(DocumentCollection<T> collection, T document)
        where T : class, IDocument => new InsertWrite(collection, document, IgnoreIfExists: false);

    /// <summary>Inserts unless a document with the same id exists (then keeps that one unchanged).</summary>
    public static WriteOperation InsertIfAbsent<T>(DocumentCollection<T> collection, T document)
        where T : class, IDocument => new InsertWrite(collection, document, IgnoreIfExists: true);

    /// <summary>Replaces the stored document of version <paramref name="expectedVersion"/> (optimistic concurrency).</summary>
    public static WriteOperation Replace<T>(DocumentCollection<T> collection, T document, long expectedVersion)
        where T : class, IDocument => new ReplaceWrite(collection, document, expectedVersion);

    /// <summary>
    /// <see cref="Replace{T}"/> of a document whose version the caller moved above <paramref name="expectedVersion"/>
    /// (the version read); <see cref="ArgumentException"/> when it did not.
    /// </summary>
    public static WriteOperation NextVersion<T>(DocumentCollection<T> collection, T document, long expectedVersion)
        where T : class, IDocument =>
        document.Version > expectedVersion
            ? Replace(collection, document, expectedVersion)
            : throw new ArgumentException($"A replaced {typeof(T).Name} must carry a version above {expectedVersion}, not {document.Version}.", nameof(document));

    /// <summary>Writes <paramref name="document"/> over <paramref name="current"/> as read: an insert when there was none, else <see cref="NextVersion{T}"/>.</summary>
    public static WriteOperation Save<T>(DocumentCollection<T> collection, T document, T? current)
        where T : class, IDocument =>
        current is null ? Insert(collection, document) : NextVersion(collection, document, current.Version);

    /// <summary>Inserts or overwrites, whatever is stored.</summary>
    public static WriteOperation Put<T>(DocumentCollection<T> collection, T document)
        where T : class, IDocument => new ReplaceWrite(collection, document, ExpectedVersion: null);

    public static WriteOperation Delete<T>(DocumentCollection<T> collection, Filter<T> filter, bool expectOne = false)
        where T : class, IDocument => new DeleteWrite(collection, filter.Node, expectOne);

    public static WriteOperation Update<T>(DocumentCollection<T> collection, Filter<T> filter, Update<T> update, bool expectOne = true)
        where T : class, IDocument => new UpdateWrite(collection, filter.Node, update.Operations.ToList(), expectOne);

    /// <summary>
    /// Applies <paramref name="update"/> to the document with the seed's id, or inserts the seed with the update applied.
    /// A field the update increments must be 0 (or absent) in the seed: the increment applies on insert too, and both
    /// stores then agree (MongoDB cannot start an increment from another value in the same atomic upsert).
    /// </summary>
    public static WriteOperation Upsert<T>(DocumentCollection<T> collection, T seed, Update<T> update)
        where T : class, IDocument
    {
        var json = System.Text.Json.JsonSerializer.SerializeToElement(seed, DocumentJson.Options);
        foreach (var increment in update.Operations.OfType<IncrementOperation>())
        {
            var value = json;
            var present = increment.Field.Path.Split('.').All(part => value.ValueKind == System.Text.Json.JsonValueKind.Object && value.TryGetProperty(part, out value));
            if (present && value.ValueKind == System.Text.Json.JsonValueKind.Number && value.GetDouble() != 0)
            {
                throw new ArgumentException($"The upsert increments '{increment.Field}', so its seed must hold 0 there (it holds {value.GetRawText()}).", nameof(seed));
            }
        }

        return new UpsertWrite(collection, seed, update.Operations.ToList());
    }
}
