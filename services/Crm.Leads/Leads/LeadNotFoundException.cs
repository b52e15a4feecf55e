namespace Crm.Leads.Leads;

/// <summary>The lead is not (yet) in the store. Retried by the consumer: the capture may not be visible yet.</summary>
public sealed class LeadNotFoundException : Exception
{
    public LeadNotFoundException()
    {
    }

    public LeadNotFoundException(string message)
        : base(message)
    {
    }

    public LeadNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static LeadNotFoundException For(string leadId) => new($"Lead '{leadId}' was not found.");
}
