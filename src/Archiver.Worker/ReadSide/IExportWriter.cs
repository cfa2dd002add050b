namespace Archiver.Worker.ReadSide;

/// <summary>One export format: conversations go in one at a time, in order; the files are complete after <see cref="CompleteAsync"/>.</summary>
internal interface IExportWriter : IAsyncDisposable
{
    /// <summary>The files this format writes, named relative to the export directory.</summary>
    IReadOnlyList<string> Files { get; }

    Task WriteAsync(ConversationDocument conversation, CancellationToken cancellationToken);

    /// <summary>Writes whatever closes the files (an HTML footer) and flushes them to disk.</summary>
    Task CompleteAsync(CancellationToken cancellationToken);
}
