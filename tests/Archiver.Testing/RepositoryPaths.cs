namespace Archiver.Testing;

/// <summary>Where things are, found by walking up from the test binaries to the folder holding Archiver.sln.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Migrations => Path.Combine(Root, "migrations");

    /// <summary>The protocol samples live beside the checkout (../shared), never copied into it.</summary>
    public static string ProtocolSamples => Path.GetFullPath(Path.Combine(Root, "..", "shared", "protocol", "samples"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Archiver.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No Archiver.sln above {AppContext.BaseDirectory}.");
    }
}
