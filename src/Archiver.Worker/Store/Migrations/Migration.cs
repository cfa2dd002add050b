using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Archiver.Worker.Store.Migrations;

/// <summary>One numbered SQL script from migrations/, e.g. <c>0001_event_store.sql</c>.</summary>
public sealed partial record Migration(int Version, string FileName, string Sql)
{
    /// <summary>SHA-256 of the script with line endings normalised, so a CRLF checkout is not a "changed" file.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(
        SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));

    /// <summary>The scripts compiled into this binary (the worker's project embeds migrations/*.sql).</summary>
    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(Migration).Assembly;
        const string prefix = "migrations/";
        return Ordered(assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => Parse(n[prefix.Length..], Read(assembly, n))));
    }

    /// <summary>The scripts in a folder (tests, and operators checking a release against a database).</summary>
    public static IReadOnlyList<Migration> FromDirectory(string directory) =>
        Ordered(Directory.EnumerateFiles(directory, "*.sql").Select(f => Parse(Path.GetFileName(f), File.ReadAllText(f))));

    private static Migration Parse(string fileName, string sql)
    {
        var match = FileNamePattern().Match(fileName);
        if (!match.Success)
            throw new InvalidOperationException($"Migration file {fileName} is not named NNNN_description.sql.");
        return new Migration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), fileName, sql);
    }

    private static List<Migration> Ordered(IEnumerable<Migration> migrations)
    {
        var list = migrations.OrderBy(m => m.Version).ToList();
        var twice = list.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new InvalidOperationException($"Two migrations share version {twice.Key}: {string.Join(", ", twice.Select(m => m.FileName))}.");
        return list;
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(\d{4})_[a-z0-9_]+\.sql$")]
    private static partial Regex FileNamePattern();
}
