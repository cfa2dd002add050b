namespace Archiver.Deploy.Tests;

/// <summary>The repository's files, found from the test binary's location (the directory holding Archiver.sln).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    public static bool Exists(string relative) => File.Exists(PathOf(relative)) || Directory.Exists(PathOf(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Archiver.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Archiver.sln not found above " + AppContext.BaseDirectory);
    }
}
