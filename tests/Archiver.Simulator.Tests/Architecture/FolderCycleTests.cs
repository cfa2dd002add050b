namespace Archiver.Simulator.Tests.Architecture;

/// <summary>
/// A folder of the simulator is a part of its architecture: no folder may use another that uses it back, however far
/// round (docs/simulator.md). Read from the compiled assembly, so a use hidden in a method body counts as much as a
/// <c>using</c> line.
/// </summary>
public sealed class FolderCycleTests
{
    private const string Root = "Archiver.Simulator";

    [Fact]
    public void No_folder_of_the_simulator_uses_a_folder_that_uses_it_back()
    {
        var graph = FolderGraph.Read(typeof(SimulatorHost).Assembly.Location, Root);

        var cycles = FolderCycles.Find(graph.Edges);

        // Named with the type that makes each step, so the message says which use to move.
        Assert.True(cycles.Count == 0, "folders of the simulator in a cycle:\n" + string.Join("\n", cycles.Select(c =>
            FolderCycles.Show(c) + "\n  " + string.Join("\n  ", c.Zip(c.Skip(1), (from, to) => graph.Witness[(from, to)])))));
    }

    [Fact]
    public void The_graph_sees_uses_in_signatures_and_in_method_bodies()
    {
        var graph = FolderGraph.Read(typeof(SimulatorHost).Assembly.Location, Root);

        // A field and a constructor parameter (signatures), a call inside a private method's body, a call inside a lock.
        Assert.Contains($"{Root}.Faults.FaultBoard", graph.TypeUses[$"{Root}.Ums.ConsumerSocket"]);
        Assert.Contains($"{Root}.World.WireJson", graph.TypeUses[$"{Root}.Hostile.HostileCatalogue"]);
        Assert.Contains($"{Root}.Ums.UmsEndpoint", graph.TypeUses[$"{Root}.Hostile.HostileSender"]);
        // The root composes every folder; the socket folder serves the world it is given.
        Assert.Contains($"{Root}.Ums", graph.Edges[Root]);
        Assert.Contains($"{Root}.World", graph.Edges[$"{Root}.Ums"]);
        Assert.Contains($"{Root}.Faults", graph.Edges[$"{Root}.Ums"]);
        Assert.DoesNotContain(Root, graph.Edges.Keys.Where(k => k != Root).SelectMany(k => graph.Edges[k]));
    }

    [Fact]
    public void A_planted_cycle_is_found_and_named_in_order()
    {
        var edges = Graph(("A", "B"), ("B", "C"), ("C", "A"), ("C", "D"), ("D", "E"));

        var cycle = Assert.Single(FolderCycles.Find(edges));

        Assert.Equal("A → B → C → A", FolderCycles.Show(cycle));
    }

    [Fact]
    public void Two_folders_using_each_other_are_a_cycle_and_each_separate_cycle_is_named()
    {
        var edges = Graph(("Control", "Ums"), ("Ums", "Control"), ("Identity", "Traffic"), ("Traffic", "World"), ("World", "Identity"), ("Root", "Control"));

        var cycles = FolderCycles.Find(edges).Select(FolderCycles.Show).Order(StringComparer.Ordinal);

        Assert.Equal(["Control → Ums → Control", "Identity → Traffic → World → Identity"], cycles);
    }

    [Fact]
    public void A_diamond_and_a_folder_using_itself_are_no_cycle()
    {
        var edges = Graph(("Root", "Ums"), ("Root", "Control"), ("Ums", "World"), ("Control", "World"), ("Ums", "Faults"), ("Control", "Faults"), ("World", "World"));

        Assert.Empty(FolderCycles.Find(edges));
    }

    private static Dictionary<string, SortedSet<string>> Graph(params (string From, string To)[] edges) =>
        edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => new SortedSet<string>(g.Select(e => e.To), StringComparer.Ordinal));
}
