using Archiver.Testing.Architecture;

namespace Archiver.Simulator.Tests.Architecture;

/// <summary>
/// Which folder of a compiled assembly uses which: a folder is a namespace under the root, and a type uses every type of
/// the same assembly that <see cref="AssemblyUsage"/> finds it naming (signatures, attributes, locals, and every token in
/// its method bodies' IL). Nested types (closures, state machines) count as their outermost type, so a lambda's uses are
/// its declaring type's. Types of other assemblies are left out: only folders of this assembly can form a cycle here.
/// </summary>
internal sealed class FolderGraph
{
    /// <summary>Folder → the folders it uses (never itself).</summary>
    public Dictionary<string, SortedSet<string>> Edges { get; } = new(StringComparer.Ordinal);

    /// <summary>For each edge, a type of the one folder using a type of the other.</summary>
    public Dictionary<(string From, string To), string> Witness { get; } = [];

    /// <summary>Type (outermost, full name) → the types of the assembly it uses, for tests of the reading itself.</summary>
    public Dictionary<string, SortedSet<string>> TypeUses { get; } = new(StringComparer.Ordinal);

    /// <summary>The folder graph of the assembly at <paramref name="path"/>, whose root namespace is <paramref name="root"/>.</summary>
    public static FolderGraph Read(string path, string root)
    {
        var types = AssemblyUsage.Read(path);
        var folderOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (FolderOf(type, root) is { } folder)
                folderOf[type.Type] = folder;
        }

        var graph = new FolderGraph();
        foreach (var type in types.Where(t => folderOf.ContainsKey(t.Type)))
        {
            var from = folderOf[type.Type];
            graph.Edges.TryAdd(from, new SortedSet<string>(StringComparer.Ordinal));
            // A nested type is named Outer+Nested: it belongs to its outermost type.
            var uses = type.Names.Select(n => n.Split('+')[0]).Where(n => n != type.Type && folderOf.ContainsKey(n));
            graph.TypeUses[type.Type] = new SortedSet<string>(uses, StringComparer.Ordinal);
            foreach (var used in graph.TypeUses[type.Type])
            {
                var to = folderOf[used];
                if (to != from && graph.Edges[from].Add(to))
                    graph.Witness[(from, to)] = $"{type.Type} uses {used}";
            }
        }
        return graph;
    }

    /// <summary>A type's folder: its namespace under the root, or null outside it (generated helpers).</summary>
    private static string? FolderOf(TypeUsage type, string root)
    {
        if (type.Namespace == root || type.Namespace.StartsWith(root + ".", StringComparison.Ordinal))
            return type.Namespace;
        // The top-level statements of Program.cs compile to a type in the global namespace: the root folder's.
        return type.Namespace.Length == 0 && type.Type == "Program" ? root : null;
    }
}
