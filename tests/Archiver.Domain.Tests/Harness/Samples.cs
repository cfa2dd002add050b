using System.Text;
using Archiver.Testing;

namespace Archiver.Domain.Tests.Harness;

/// <summary>The protocol's wire samples, read where they lie (../shared/protocol/samples), never copied.</summary>
internal static class Samples
{
    public static string Text(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.ProtocolSamples, name));

    public static ReadOnlyMemory<byte> Bytes(string name) => Encoding.UTF8.GetBytes(Text(name));

    public static IEnumerable<string> Named(string prefix) =>
        Directory.EnumerateFiles(RepositoryPaths.ProtocolSamples, prefix + "*.json").Select(Path.GetFileName).OfType<string>().Order();
}
