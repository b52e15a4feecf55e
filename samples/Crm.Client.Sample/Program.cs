// Captures a lead through the gateway, reads it back and prints its assignment.
//   CRM_URL=http://127.0.0.1:5000 CRM_API_KEY=$(cat .local/api-key) dotnet run --project samples/Crm.Client.Sample
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;

var url = Environment.GetEnvironmentVariable("CRM_URL");
var apiKey = Environment.GetEnvironmentVariable("CRM_API_KEY");
if (string.IsNullOrWhiteSpace(url) || string.IsNullOrWhiteSpace(apiKey))
{
    Console.Error.WriteLine("Set CRM_URL (the gateway, e.g. http://127.0.0.1:5000) and CRM_API_KEY.");
    return 2;
}

var crm = CrmClient.Create(new CrmClientOptions { BaseAddress = new Uri(url), ApiKey = apiKey });
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));

// 1. Capture. The client adds an Idempotency-Key and retries 429/503 with it: a retry never creates a second lead.
var captured = await crm.CaptureLeadAsync(
    new CaptureLeadRequest
    {
        Name = "Sample Sam",
        Email = $"sam.{Guid.NewGuid():N}@example.com",
        Source = "crm-client-sample",
        Channel = Channel.Web,
        PagesVisited = 4,
        Fields = new Dictionary<string, string> { ["interest"] = "demo" },
    },
    cancellationToken: cancel.Token);
if (!captured.IsSuccessStatusCode)
{
    var problem = captured.GetProblem();
    Console.Error.WriteLine(captured.StatusCode is { } status
        ? $"Capture failed: {(int)status} {problem?.Title} {problem?.Detail}"
        : $"Capture failed: no answer from {url} ({captured.Error?.InnerException?.Message ?? captured.Error?.Message}).");
    foreach (var (field, reasons) in problem?.Errors ?? [])
    {
        Console.Error.WriteLine($"  {field}: {string.Join(" ", reasons)}");
    }

    return 1;
}

var lead = captured.Content!;
Console.WriteLine($"Captured lead {lead.Id} (contact {lead.ContactId}): score {lead.Score}, {lead.Grade}.");

// 2. Read it back.
var reread = (await crm.GetLeadAsync(lead.Id, cancel.Token)).EnsureSuccess();
Console.WriteLine($"Read back: {reread.Name} <{reread.Email}> from {reread.Source}, captured {reread.CapturedAt:u}.");

// 3. Assignment happens asynchronously (events): poll until Assignment has seen the lead.
var delay = TimeSpan.FromMilliseconds(200);
while (true)
{
    var assignment = await crm.GetLeadAssignmentAsync(lead.Id, cancel.Token);
    if (assignment.IsSuccessStatusCode)
    {
        var a = assignment.Content!;
        Console.WriteLine(a.Status == "assigned"
            ? $"Assigned to {a.RepName} ({a.RepId}) at {a.AssignedAt:u}."
            : $"In the backlog since {a.QueuedAt:u}: no rep is free (create one with POST /api/assignment/reps).");
        return 0;
    }

    if (assignment.StatusCode != System.Net.HttpStatusCode.NotFound)
    {
        Console.Error.WriteLine($"Reading the assignment failed: {(int?)assignment.StatusCode} {assignment.GetProblem()?.Title}");
        return 1;
    }

    await Task.Delay(delay, cancel.Token);
    delay = TimeSpan.FromMilliseconds(Math.Min(2000, delay.TotalMilliseconds * 2));
}
