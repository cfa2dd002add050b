namespace Archiver.Worker.Coordination;

/// <summary>Section <c>Coordination</c>: how workers share the consumer identities.</summary>
public sealed class CoordinationOptions
{
    public const string Section = "Coordination";

    /// <summary>This worker's name in archive.workers and archive.consumer_leases.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>A lease not renewed for this long is free: the bound on how long a dead worker's identities stay idle.</summary>
    public int LeaseSeconds { get; set; } = 15;

    /// <summary>How often leases are renewed, taken and given back.</summary>
    public int HeartbeatSeconds { get; set; } = 5;
}
