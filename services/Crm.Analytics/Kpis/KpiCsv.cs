using System.Globalization;
using System.Text;
using Crm.Contracts.Api.Analytics;

namespace Crm.Analytics.Kpis;

/// <summary>A KPI's rows as CSV (RFC 4180): the header is <c>columns</c>, one line per row, numbers invariant, null empty (pure).</summary>
public static class KpiCsv
{
    public const string ContentType = "text/csv";

    public static string Write(KpiResponse response)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', response.Columns.Select(Field)).Append("\r\n");
        foreach (var row in response.Rows)
        {
            var fields = new List<string> { Field(row.Period), Field(row.Group) };
            fields.AddRange(response.Columns.Skip(2).Select(c => row.Values.GetValueOrDefault(c) is { } v ? v.ToString(CultureInfo.InvariantCulture) : string.Empty));
            csv.AppendJoin(',', fields).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>Quoted when it holds a comma, a quote or a line break (quotes doubled); a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it.</summary>
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
