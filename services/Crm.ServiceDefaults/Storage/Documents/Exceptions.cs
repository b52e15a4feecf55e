namespace Crm.ServiceDefaults.Storage;

/// <summary>An id or a unique index of <see cref="Collection"/> was taken by another document: nothing was committed.</summary>
public sealed class DuplicateKeyException : Exception
{
    public DuplicateKeyException()
        : this("?", "A unique key is taken.")
    {
    }

    public DuplicateKeyException(string message)
        : this("?", message)
    {
    }

    public DuplicateKeyException(string message, Exception innerException)
        : this("?", message, innerException)
    {
    }

    public DuplicateKeyException(string collection, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Collection = collection;
    }

    public string Collection { get; }
}
