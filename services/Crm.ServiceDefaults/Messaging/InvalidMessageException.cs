namespace Crm.ServiceDefaults.Messaging;

/// <summary>A message that can never be applied (missing ids, impossible values): not retried, sent to <c>_error</c>.</summary>
public sealed class InvalidMessageException : Exception
{
    public InvalidMessageException()
    {
    }

    public InvalidMessageException(string message)
        : base(message)
    {
    }

    public InvalidMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
