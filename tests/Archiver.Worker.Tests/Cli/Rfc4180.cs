using System.Text;

namespace Archiver.Worker.Tests.Cli;

/// <summary>A strict RFC 4180 reader for the tests: fails on anything a conforming writer would not produce.</summary>
internal static class Rfc4180
{
    public static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new FormatException("unterminated quoted field");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(text[i++]);
                }
            }
            else
            {
                while (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                {
                    if (text[i] == '"')
                        throw new FormatException($"a quote inside an unquoted field at {i}");
                    field.Append(text[i++]);
                }
            }

            fields.Add(field.ToString());
            field.Clear();
            if (i >= text.Length)
                throw new FormatException("the last record does not end with CRLF");
            if (text[i] == ',')
            {
                i++;
                continue;
            }
            if (text[i] != '\r' || i + 1 >= text.Length || text[i + 1] != '\n')
                throw new FormatException($"a record ends without CRLF at {i}");
            i += 2;
            records.Add([.. fields]);
            fields.Clear();
        }
        if (records.Select(r => r.Length).Distinct().Count() > 1)
            throw new FormatException("records have different numbers of fields");
        return records;
    }

    /// <summary>Rows as dictionaries keyed by the header row.</summary>
    public static List<Dictionary<string, string>> Table(string text)
    {
        var records = Parse(text);
        var header = records[0];
        return records.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal)).ToList();
    }
}
