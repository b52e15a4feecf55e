using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api.Messaging;
using Refit;

namespace Crm.Demo;

/// <summary>What the conversations came to.</summary>
internal sealed record ConversationTally(int Conversations, int Replies, int Resolved, int Rated, int ScoreSum)
{
    public double Average => Rated == 0 ? 0 : (double)ScoreSum / Rated;
}

/// <summary>
/// Conversations as the platform gets them: a contact's e-mail arrives through the inbound-parse webhook
/// (<c>POST /api/messaging/providers/email/inbound</c>, no platform credential, signed with <c>X-Crm-Signature-256</c> =
/// <c>sha256=</c> + hex HMAC-SHA256 of the body with Messaging's <c>Conversations:EmailInboundSecret</c>: <c>./crm up</c>
/// generates it in <c>.local/email-inbound-secret</c> and <c>./crm demo</c> passes it), a rep replies through the API,
/// some people write again, most conversations are resolved and most resolved ones rated (CSAT 1-5, as the web survey
/// records it). E-mail, not SMS or WhatsApp: <c>./crm up</c> configures no SMS or WhatsApp provider (so neither their
/// inbound signatures nor the replies could work), while e-mail is sent locally (SMTP, else the pickup folder).
/// </summary>
internal sealed class DemoConversations(ICrmApi api, HttpClient webhooks, string? emailInboundSecret)
{
    public const string InboundPath = "/api/messaging/providers/email/inbound";
    public const string SignatureHeader = "X-Crm-Signature-256";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly (string Subject, string Text, string Reply)[] Questions =
    [
        ("Question about the offer", "Hello, is installation included in the price you quoted?", "Yes, installation and the first service visit are included."),
        ("Delivery date", "When could the installation take place? We are away in the first week of next month.", "We can book you for the second week; which day suits you?"),
        ("Financing", "Do you offer payment in instalments?", "Yes: 12, 24 or 36 months. I will send you the conditions."),
        ("Appointment", "Could your technician come by on Saturday morning?", "Saturday 10:00 works. You will get a confirmation by e-mail."),
        ("Warranty", "How long is the warranty on the battery?", "Ten years on the battery, two on the installation."),
        ("Subsidy", "Can you help us with the subsidy application?", "Of course: we fill it in with you at the first visit."),
        ("Invoice", "I have not received my invoice yet.", "Sorry about that, I have sent it again just now."),
        ("Change of plan", "We would like the larger model after all. Is that possible?", "Yes, I have updated your order; the new quote follows."),
    ];

    private static readonly string[] FollowUps =
    [
        "Thank you! One more question: do I need to be at home for it?",
        "Great, and can I pay by bank transfer?",
        "Thanks. Could you send that to my partner as well?",
    ];

    /// <summary>CSAT scores as people give them: mostly 4 and 5, a few unhappy ones.</summary>
    private static readonly int[] Scores = [5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 3, 3, 3, 2, 2, 1];

    /// <summary>A person to write to us: their lead and the e-mail their contact has (normalised as Contacts keeps it).</summary>
    public sealed record Person(string LeadId, string Email);

    public bool Enabled => emailInboundSecret is not null;

    /// <summary>A few dozen for the default 300 leads (one per eight leads, 3 to 60).</summary>
    public static int CountFor(int leads) => Math.Clamp(leads / 8, 3, 60);

    /// <summary>The body's signature as the inbound-parse webhook checks it.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public async Task<ConversationTally> RunAsync(Random random, IReadOnlyList<Person> people, Action<string> fail, Action step)
    {
        var tally = new ConversationTally(0, 0, 0, 0, 0);
        for (var i = 0; i < people.Count; i++)
        {
            var person = people[i];
            var (subject, text, reply) = Questions[random.Next(Questions.Length)];
            if (!await InboundAsync(person.Email, subject, text, fail))
            {
                step();
                continue;
            }

            if (await FindAsync(person, fail) is not { } conversation)
            {
                step();
                continue;
            }

            tally = tally with { Conversations = tally.Conversations + 1 };
            tally = tally with { Replies = tally.Replies + await ReplyAsync(conversation.Id, $"Hello, {reply} Kind regards", fail) };

            // Every third person writes again before the conversation is resolved; the rep answers that too.
            if (i % 3 == 1 && await InboundAsync(person.Email, "Re: " + subject, FollowUps[random.Next(FollowUps.Length)], fail))
            {
                tally = tally with { Replies = tally.Replies + await ReplyAsync(conversation.Id, "Yes, that is no problem. Kind regards", fail) };
            }

            // Three in four are resolved; four in five of those are rated (the rest stay open or unrated, as in real life).
            if (i % 4 != 3)
            {
                if (Ok(await api.ResolveConversationAsync(conversation.Id), "resolve conversation", fail) is not null)
                {
                    tally = tally with { Resolved = tally.Resolved + 1 };
                    if (i % 5 != 4)
                    {
                        var score = Scores[random.Next(Scores.Length)];
                        if (Ok(await api.RecordConversationCsatAsync(conversation.Id, new ConversationCsatRequest { Score = score }), "csat", fail) is not null)
                        {
                            tally = tally with { Rated = tally.Rated + 1, ScoreSum = tally.ScoreSum + score };
                        }
                    }
                }
            }

            step();
        }

        return tally;
    }

    /// <summary>Posts the e-mail as the inbound-parse service would, signed; true when it was taken (204).</summary>
    private async Task<bool> InboundAsync(string from, string subject, string text, Action<string> fail)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new InboundEmail(from, "support@crm.example.com", subject, text, $"<demo-{Guid.NewGuid():N}@mail.example.com>"), Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, InboundPath) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(emailInboundSecret!, body));
        using var response = await webhooks.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new InvalidOperationException("inbound e-mail: 401 — the secret is not Messaging's Conversations:EmailInboundSecret (restart with ./crm up, which sets it from .local/email-inbound-secret)");
        }

        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            fail($"inbound e-mail ({(int)response.StatusCode})");
            return false;
        }

        return true;
    }

    /// <summary>The contact's e-mail conversation, polled a short while (it is written before the 204, but the contact is read first).</summary>
    private async Task<ConversationResponse?> FindAsync(Person person, Action<string> fail)
    {
        if (Ok(await api.GetLeadAsync(person.LeadId), "read lead", fail)?.ContactId is not { } contactId)
        {
            return null;
        }

        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        do
        {
            var page = Ok(await api.ListConversationsAsync(channel: "email", contactId: contactId, limit: 5), "list conversations", fail);
            if (page?.Items.FirstOrDefault(c => c.Status != "resolved") is { } open)
            {
                return open;
            }

            await Task.Delay(200);
        }
        while (DateTimeOffset.UtcNow < deadline);

        fail("conversation not found");
        return null;
    }

    private async Task<int> ReplyAsync(string conversationId, string text, Action<string> fail) =>
        Ok(await api.ReplyToConversationAsync(conversationId, new ConversationReplyRequest { Text = text }, Guid.NewGuid().ToString()), "reply", fail) is null ? 0 : 1;

    private static T? Ok<T>(IApiResponse<T> response, string step, Action<string> fail)
        where T : class
    {
        if (response.IsSuccessStatusCode)
        {
            return response.Content;
        }

        fail($"{step} ({(int?)response.StatusCode})");
        return null;
    }

    private sealed record InboundEmail(string From, string To, string Subject, string Text, string MessageId);
}
