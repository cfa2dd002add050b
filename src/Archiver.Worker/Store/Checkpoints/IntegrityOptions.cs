namespace Archiver.Worker.Store.Checkpoints;

/// <summary>Section <c>Integrity</c>: signed checkpoints (docs/event-store.md, "Checkpoints").</summary>
public sealed class IntegrityOptions
{
    public const string Section = "Integrity";

    /// <summary>
    /// PEM file of the ECDSA P-256 private key checkpoints and export manifests are signed with (PKCS#8, e.g. from
    /// <c>openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256</c>). A secret: never in the database, never
    /// logged. Without it the worker takes no checkpoints.
    /// </summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Where each checkpoint is also written as one JSON file: put it on write-once storage.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>How often the worker takes a checkpoint (it also takes one when it stops).</summary>
    public int CheckpointIntervalSeconds { get; set; } = 300;
}
