using System.Security.Cryptography;
using Archiver.Domain.Archive;
using Archiver.Domain.Protocol;
using Archiver.Worker.Lifecycle;
using Archiver.Worker.Projections;
using Archiver.Worker.Store;
using Archiver.Worker.Store.Checkpoints;
using Archiver.Worker.Store.Verification;
using Archiver.Worker.Tests.Cli;
using Archiver.Worker.Tests.Store;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Tests.Lifecycle;

/// <summary>
/// One test's own archive for lifecycle operations (they remove and rewrite): the compliance archive's three
/// conversations, plus a conflict and a rejection on Alpha's dialog, a signing key and its checkpoint directory, and the
/// lifecycle services on it as the owner runs them.
/// </summary>
public sealed class LifecycleArchive : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("archiver-lifecycle-").FullName;

    public ComplianceArchive Archive { get; } = new();

    public string KeyFile => Path.Combine(_directory, "key.pem");

    public string PublicKeyFile => Path.Combine(_directory, "public.pem");

    public string CheckpointDirectory => Path.Combine(_directory, "checkpoints");

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    public RetentionOptions Retention { get; } = new();

    public static async Task<LifecycleArchive> CreateAsync()
    {
        var archive = new LifecycleArchive();
        await archive.Archive.InitializeAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await File.WriteAllTextAsync(archive.KeyFile, key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(archive.PublicKeyFile, key.ExportSubjectPublicKeyInfoPem());

        // A conflict (the same key, other content) and a rejection, both about Alpha's MAIN dialog.
        var store = archive.Store();
        var alpha = archive.Archive.Alpha;
        var first = alpha.Steps.SelectMany(s => s).First(e => e.StreamId == alpha.Id);
        await store.AppendAsync([first with { Body = first.Body.Replace("has not arrived", "HAS NOT ARRIVED", StringComparison.Ordinal) }]);
        var late = Events.Content(alpha.Id, 100, "one more thing") with { ServerTimestamp = null, Issues = [ArchiveIssue.Of(IssueReasons.TimestampOutOfRange, "serverTimestamp 9e30")] };
        await store.AppendAsync([late]);
        // And a frame nobody can attribute to a conversation: it stays whatever happens to Alpha.
        var frame = "{\"bad\":"u8.ToArray();
        await store.AppendAsync([], [RejectionRecord.ForFrame("compliance-tests", ArchiveIssue.Of(IssueReasons.FrameNotJson, "not JSON"), frame, frame.Length,
            SHA256.HashData(frame))]);
        return archive;
    }

    public PostgresEventStore Store() => Archive.CreateStore(new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection());

    public Disposer Disposer() => new(Archive.DataSource, Clock);

    public Eraser Eraser() => new(Archive.DataSource, Options.Create(Retention), Options.Create(new ErasureOptions()), new AdminLog(Store(), Archive.DataSource, Clock), Clock);

    public LegalHolds Holds() => new(Archive.DataSource, new AdminLog(Store(), Archive.DataSource, Clock), Clock);

    public Archiver.Worker.Lifecycle.Retention RetentionService() => new(Archive.DataSource, Options.Create(Retention), Disposer(), Clock);

    public Task<SignedCheckpoint> CheckpointAsync() => new Checkpointer(Archive.DataSource,
        Options.Create(new IntegrityOptions { SigningKeyFile = KeyFile, CheckpointDirectory = CheckpointDirectory }),
        new AdminLog(Store(), Archive.DataSource, Clock), Clock, NullLogger<Checkpointer>.Instance).TakeAsync(CancellationToken.None);

    public Task<VerificationReport> VerifyAsync() => Archive.CreateVerifier().VerifyAsync();

    public Task<IReadOnlyList<VerificationFinding>> VerifyCheckpointsAsync() =>
        new CheckpointVerifier(Archive.DataSource).VerifyAsync(CheckpointDirectory, PublicKeyFile, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Archive.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

