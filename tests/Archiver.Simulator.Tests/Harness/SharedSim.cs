namespace Archiver.Simulator.Tests.Harness;

/// <summary>One simulator for a test class whose tests each use their own consumers (a consumer sees only its own conversations).</summary>
public sealed class SharedSim : IAsyncLifetime
{
    private Sim? _sim;

    public Sim Sim => _sim ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _sim = await Sim.StartAsync();

    public async Task DisposeAsync()
    {
        if (_sim is not null)
            await _sim.DisposeAsync();
    }
}
