using System.Text;
using Archiver.Domain.Consumers;

namespace Archiver.Worker.Cli;

/// <summary>A consumer read from a line of an import file, or the reasons that line was refused.</summary>
internal sealed record CsvConsumer(int Line, RegisteredConsumer Consumer);

/// <summary>
/// The file <c>archiver consumers import</c> reads (docs/operations.md): UTF-8 CSV (RFC 4180 quoting, no line breaks
/// inside a field), a header naming the columns <c>name</c>, <c>flow</c> and, as the flows need, <c>external_id</c>,
/// <c>connector_id</c> and <c>account</c> (empty: the default account), in any order. Blank lines and lines starting
/// with <c>#</c> are skipped. Every problem is reported with its line number, so a file is corrected in one pass.
/// </summary>
internal static class ConsumerCsv
{
    private static readonly string[] Known = ["name", "flow", "account", "external_id", "connector_id"];

    public static (List<CsvConsumer> Consumers, List<string> Errors) Parse(IEnumerable<string> lines, string? defaultAccount)
    {
        var consumers = new List<CsvConsumer>();
        var errors = new List<string>();
        Dictionary<string, int>? columns = null;
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var externals = new Dictionary<(string, string), int>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = number == 1 ? raw.TrimStart('\uFEFF') : raw;
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
                continue;
            if (!TrySplit(line, out var fields, out var problem))
            {
                errors.Add($"line {number}: {problem}");
                if (columns is null)
                    return (consumers, errors);
                continue;
            }
            if (columns is null)
            {
                columns = Header(fields, number, errors);
                if (columns is null)
                    return (consumers, errors);
                continue;
            }
            if (fields.Count != columns.Count)
            {
                errors.Add($"line {number}: {fields.Count} field(s), the header has {columns.Count}");
                continue;
            }
            string? Field(string column) => columns.TryGetValue(column, out var i) && fields[i].Trim().Length > 0 ? fields[i].Trim() : null;
            if (RegisteredConsumer.ParseFlow(Field("flow"), out var wrongFlow) is not { } flow)
            {
                errors.Add($"line {number}: {wrongFlow}");
                continue;
            }
            var consumer = new RegisteredConsumer(Field("name") ?? "", flow, Field("account") ?? defaultAccount ?? "", Field("external_id"), Field("connector_id"));
            if (consumer.Problem() is { } wrong)
            {
                errors.Add($"line {number}: {wrong}");
                continue;
            }
            if (names.TryGetValue(consumer.Name, out var first))
            {
                errors.Add($"line {number}: consumer {consumer.Name} is also on line {first}");
                continue;
            }
            names[consumer.Name] = number;
            if (consumer.ExternalId is { } external)
            {
                if (externals.TryGetValue((consumer.Account, external), out var other))
                {
                    errors.Add($"line {number}: external id {RegisteredConsumer.Printable(external)} is also on line {other} (one customer, one consumer)");
                    continue;
                }
                externals[(consumer.Account, external)] = number;
            }
            consumers.Add(new CsvConsumer(number, consumer));
        }
        if (columns is null)
            errors.Add("the file is empty: it needs a header line (name,flow,external_id,connector_id,account)");
        return (consumers, errors);
    }

    private static Dictionary<string, int>? Header(List<string> fields, int number, List<string> errors)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++)
        {
            var column = fields[i].Trim().ToLowerInvariant();
            if (!Known.Contains(column))
                errors.Add($"line {number}: unknown column '{RegisteredConsumer.Printable(fields[i])}' (known: {string.Join(", ", Known)})");
            else if (!columns.TryAdd(column, i))
                errors.Add($"line {number}: column {column} appears twice");
        }
        foreach (var required in new[] { "name", "flow" })
        {
            if (!columns.ContainsKey(required))
                errors.Add($"line {number}: the header has no column {required} (the first line names the columns: name,flow,external_id,connector_id,account)");
        }
        return errors.Count == 0 ? columns : null;
    }

    /// <summary>One line's fields: commas separate; a field in double quotes may hold commas and doubled quotes.</summary>
    private static bool TrySplit(string line, out List<string> fields, out string problem)
    {
        fields = [];
        problem = "";
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        problem = "a quoted field is not closed (a field cannot span lines)";
                        return false;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',')
                {
                    problem = $"text after a closing quote at column {i + 1}";
                    return false;
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    if (line[i] == '"')
                    {
                        problem = $"a quote inside an unquoted field at column {i + 1}";
                        return false;
                    }
                    field.Append(line[i++]);
                }
            }
            fields.Add(field.ToString());
            if (i >= line.Length)
                return true;
            i++; // the comma
        }
    }
}
