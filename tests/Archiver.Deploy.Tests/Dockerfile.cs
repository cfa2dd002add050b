using System.Text.Json;
using System.Text.RegularExpressions;

namespace Archiver.Deploy.Tests;

/// <summary>One Dockerfile instruction: its keyword, its arguments (continuations joined) and its line.</summary>
internal sealed record Instruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The exec (JSON array) form's items, or null for the shell form.</summary>
    public IReadOnlyList<string>? ExecForm()
    {
        var text = Arguments.Trim();
        if (!text.StartsWith('['))
            return null;
        return JsonSerializer.Deserialize<List<string>>(text);
    }
}

/// <summary>A build stage: FROM image [AS name] and the instructions up to the next FROM.</summary>
internal sealed record Stage(string Image, string? Name, int Index, List<Instruction> Instructions)
{
    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public Instruction? Last(string keyword) => Instructions.LastOrDefault(i => i.Keyword == keyword);
}

/// <summary>
/// A Dockerfile read the way BuildKit's frontend reads it, as far as these files need: comments, line continuations,
/// global ARGs with defaults substituted into FROM, stages.
/// </summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(string path, List<Stage> stages, Dictionary<string, string> globalArgs)
    {
        Path = path;
        Stages = stages;
        GlobalArgs = globalArgs;
    }

    public string Path { get; }

    public IReadOnlyList<Stage> Stages { get; }

    public IReadOnlyDictionary<string, string> GlobalArgs { get; }

    /// <summary>The stage `docker build` builds without --target: the last one.</summary>
    public Stage Default => Stages[^1];

    public Stage Named(string name) => Stages.SingleOrDefault(s => s.Name == name)
        ?? throw new InvalidDataException($"{Path}: no stage named '{name}'");

    public static Dockerfile Load(string relative)
    {
        var lines = Repo.Read(relative).Split('\n');
        var instructions = new List<Instruction>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            var start = i + 1;
            var text = line;
            while (text.TrimEnd().EndsWith('\\') && i + 1 < lines.Length)
            {
                text = text.TrimEnd()[..^1];
                i++;
                var next = lines[i].TrimEnd('\r');
                if (next.TrimStart().StartsWith('#'))
                    continue; // comment lines inside a continuation are dropped
                text += " " + next.Trim();
            }
            var match = InstructionPattern().Match(text.Trim());
            if (!match.Success)
                throw new InvalidDataException($"{relative}:{start}: not an instruction: {text.Trim()}");
            instructions.Add(new Instruction(match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value.Trim(), start));
        }

        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<Stage>();
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                var from = FromPattern().Match(instruction.Arguments);
                if (!from.Success)
                    throw new InvalidDataException($"{relative}:{instruction.Line}: FROM not understood: {instruction.Arguments}");
                var image = Substitute(from.Groups[1].Value, globalArgs);
                stages.Add(new Stage(image, from.Groups[2].Success ? from.Groups[2].Value : null, stages.Count, []));
            }
            else if (stages.Count == 0)
            {
                if (instruction.Keyword != "ARG")
                    throw new InvalidDataException($"{relative}:{instruction.Line}: only ARG may come before the first FROM");
                var parts = instruction.Arguments.Split('=', 2);
                globalArgs[parts[0].Trim()] = parts.Length == 2 ? parts[1].Trim() : "";
            }
            else
            {
                stages[^1].Instructions.Add(instruction);
            }
        }
        if (stages.Count == 0)
            throw new InvalidDataException($"{relative}: no FROM");
        return new Dockerfile(relative, stages, globalArgs);
    }

    public static string Substitute(string text, IReadOnlyDictionary<string, string> args) =>
        VariablePattern().Replace(text, m =>
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            return args.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"${name} has no default");
        });

    [GeneratedRegex(@"^([A-Za-z]+)\s*(.*)$", RegexOptions.Singleline)]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+([a-z0-9][a-z0-9_.-]*))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromPattern();

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariablePattern();
}

/// <summary>
/// .dockerignore as Docker applies it to the build context: Go filepath.Match patterns plus `**`, relative to the
/// context root, a pattern matching a directory excluding everything below it, `!` re-including, the last match winning.
/// </summary>
internal sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> _rules = [];

    public DockerIgnore(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var exclude = !line.StartsWith('!');
            var pattern = (exclude ? line : line[1..]).Trim().Trim('/');
            if (pattern.StartsWith("./", StringComparison.Ordinal))
                pattern = pattern[2..];
            _rules.Add((new Regex("^" + ToRegex(pattern) + "(/.*)?$"), exclude));
        }
    }

    public bool Excludes(string relativePath)
    {
        var path = relativePath.Replace('\\', '/').Trim('/');
        var excluded = false;
        foreach (var (pattern, exclude) in _rules)
        {
            if (pattern.IsMatch(path))
                excluded = exclude;
        }
        return excluded;
    }

    private static string ToRegex(string pattern)
    {
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // `**/` matches any number of directories, including none.
                if (i + 2 < pattern.Length && pattern[i + 2] == '/')
                {
                    result.Append("(.*/)?");
                    i += 2;
                }
                else
                {
                    result.Append(".*");
                    i++;
                }
            }
            else if (c == '*')
            {
                result.Append("[^/]*");
            }
            else if (c == '?')
            {
                result.Append("[^/]");
            }
            else
            {
                result.Append(Regex.Escape(c.ToString()));
            }
        }
        return result.ToString();
    }
}
