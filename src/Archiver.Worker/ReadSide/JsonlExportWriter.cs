using System.Text.Json;

namespace Archiver.Worker.ReadSide;

/// <summary><c>conversations.jsonl</c>: one <see cref="ConversationDocument"/> per line, camelCase, UTF-8, LF-terminated.</summary>
internal sealed class JsonlExportWriter(string directory) : IExportWriter
{
    public const string FileName = "conversations.jsonl";

    private readonly FileStream _file = ExportFiles.Create(directory, FileName);

    public IReadOnlyList<string> Files { get; } = [FileName];

    public async Task WriteAsync(ConversationDocument conversation, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(_file, conversation, ConversationDocument.Json, cancellationToken);
        _file.WriteByte((byte)'\n');
    }

    public Task CompleteAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
