namespace Archiver.Worker.Observability;

/// <summary>Section <c>Observability</c>: where health and metrics are served.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>127.0.0.1 by default; <c>0.0.0.0</c> in a container or pod so probes and scrapers can reach it.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>0 = an ephemeral port (logged at start); set a fixed one for probes and scraping.</summary>
    public int Port { get; set; }

    /// <summary>Readiness fails when notifications wait longer than this to be committed.</summary>
    public int MaxIngestionLagSeconds { get; set; } = 30;
}
