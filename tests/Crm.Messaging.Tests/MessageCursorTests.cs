using Crm.Messaging.Messages;
using Xunit;

namespace Crm.Messaging.Tests;

public sealed class MessageCursorTests
{
    [Fact]
    public void Round_trips()
    {
        var cursor = new MessageCursor(DateTimeOffset.Parse("2026-11-22T18:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture), "0199abc");

        Assert.True(MessageCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("YWJj")]
    [InlineData("MTIzfA")]
    [InlineData("LTF8YQ")]
    public void Rejects_what_it_did_not_write(string text)
    {
        Assert.False(MessageCursor.TryDecode(text, out _));
    }
}
