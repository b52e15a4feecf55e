namespace Crm.Contacts.Import;

/// <summary>
/// Where CSV text (UTF-8 bytes) can be cut between rows, pure: a line feed outside quotes ends a row (RFC 4180: a quote
/// inside a quoted field is written twice, so the quote count's parity says whether a line feed is inside one).
/// </summary>
public static class CsvChunks
{
    /// <summary>
    /// The length of the longest prefix of <paramref name="data"/> (which starts at a row boundary) that ends with a row:
    /// the position after its last line feed outside quotes (0 when there is none), and how many rows it holds.
    /// </summary>
    public static int LastRowEnd(ReadOnlySpan<byte> data, out int rows)
    {
        rows = 0;
        var end = 0;
        var inQuotes = false;
        var position = 0;
        while (position < data.Length)
        {
            var next = data[position..].IndexOfAny((byte)'"', (byte)'\n');
            if (next < 0)
            {
                break;
            }

            position += next;
            if (data[position] == (byte)'"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes)
            {
                rows++;
                end = position + 1;
            }

            position++;
        }

        return end;
    }

    /// <summary>The length of the first row of <paramref name="data"/> with its line feed (0 when no row ends in it).</summary>
    public static int FirstRowEnd(ReadOnlySpan<byte> data)
    {
        var inQuotes = false;
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] == (byte)'"')
            {
                inQuotes = !inQuotes;
            }
            else if (data[i] == (byte)'\n' && !inQuotes)
            {
                return i + 1;
            }
        }

        return 0;
    }
}
