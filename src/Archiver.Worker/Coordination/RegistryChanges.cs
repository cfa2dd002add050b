namespace Archiver.Worker.Coordination;

/// <summary>
/// "The registry may have changed": raised by <see cref="RegistryWatcher"/> on a notification (or after it reconnected),
/// awaited by the consumer sessions between heartbeats so an addition or removal is acted on at once.
/// </summary>
public sealed class RegistryChanges
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next change signalled after it was read: read it before reading the registry.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Signal() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
