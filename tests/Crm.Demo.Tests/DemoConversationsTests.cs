using Crm.Demo;
using Xunit;

namespace Crm.Demo.Tests;

/// <summary>What the demo's conversations can be checked on without a platform: the webhook signature and how many.</summary>
public sealed class DemoConversationsTests
{
    [Fact]
    public void The_inbound_email_is_signed_as_messagings_webhook_checks_it_and_a_few_dozen_for_300_leads()
    {
        // X-Crm-Signature-256: "sha256=" + hex HMAC-SHA256 of the body, computed independently: printf '{}' | openssl dgst -sha256 -hmac secret.
        Assert.Equal("sha256=77325902caca812dc259733aacd046b73817372c777b8d95b402647474516e13", DemoConversations.Sign("secret", "{}"u8.ToArray()));
        Assert.Equal(7, DemoConversations.CountFor(60));
        Assert.Equal(37, DemoConversations.CountFor(300));
    }
}
