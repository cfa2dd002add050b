namespace Archiver.Worker.Sessions;

/// <summary>How many consumer identities this worker currently holds (runs sessions for): readiness and STATUS compare it with the connected ones.</summary>
public sealed class SessionRegistry
{
    private int _held;

    public int Held => Volatile.Read(ref _held);

    public void SetHeld(int count) => Volatile.Write(ref _held, count);
}
