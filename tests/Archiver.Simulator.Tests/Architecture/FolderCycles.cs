namespace Archiver.Simulator.Tests.Architecture;

/// <summary>The cycles of a directed graph of folders: one per strongly connected component of more than one folder.</summary>
internal static class FolderCycles
{
    /// <summary>
    /// For each group of folders that reach each other, one cycle through them, written "A → B → A". A folder using
    /// itself is no cycle (edges to self are ignored). Deterministic: folders are visited in ordinal order.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Find(IReadOnlyDictionary<string, SortedSet<string>> edges)
    {
        var nodes = edges.Keys.Concat(edges.Values.SelectMany(v => v)).Distinct().Order(StringComparer.Ordinal).ToList();
        var next = nodes.ToDictionary(n => n, n => edges.TryGetValue(n, out var to) ? to.Where(t => t != n).Order(StringComparer.Ordinal).ToList() : []);
        var cycles = new List<IReadOnlyList<string>>();
        foreach (var component in StronglyConnected(nodes, next).Where(c => c.Count > 1))
            cycles.Add(CycleWithin(component, next));
        return cycles;
    }

    public static string Show(IReadOnlyList<string> cycle) => string.Join(" → ", cycle);

    /// <summary>Tarjan's algorithm, iterative over the few folders there are (recursion depth is the folder count).</summary>
    private static List<HashSet<string>> StronglyConnected(List<string> nodes, Dictionary<string, List<string>> next)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<HashSet<string>>();

        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in next[v])
            {
                if (index.TryGetValue(w, out var seen))
                {
                    if (onStack.Contains(w))
                        low[v] = Math.Min(low[v], seen);
                }
                else
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
            }
            if (low[v] != index[v])
                return;
            var component = new HashSet<string>();
            string x;
            do
            {
                x = stack.Pop();
                onStack.Remove(x);
                component.Add(x);
            }
            while (x != v);
            components.Add(component);
        }

        foreach (var n in nodes.Where(n => !index.ContainsKey(n)))
            Visit(n);
        return components;
    }

    /// <summary>The shortest way from the component's first folder back to itself, staying inside the component.</summary>
    private static List<string> CycleWithin(HashSet<string> component, Dictionary<string, List<string>> next)
    {
        var start = component.Order(StringComparer.Ordinal).First();
        var cameFrom = new Dictionary<string, string>();
        var queue = new Queue<string>([start]);
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            foreach (var w in next[v].Where(component.Contains))
            {
                if (w == start)
                {
                    var path = new List<string> { start };
                    for (var at = v; at != start; at = cameFrom[at])
                        path.Add(at);
                    path.Add(start);
                    path.Reverse();
                    return path;
                }
                if (w != start && cameFrom.TryAdd(w, v))
                    queue.Enqueue(w);
            }
        }
        throw new InvalidOperationException("a strongly connected component always holds a cycle");
    }
}
