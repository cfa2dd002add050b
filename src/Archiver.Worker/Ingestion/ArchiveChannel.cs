using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// The bounded hand-over from socket readers to the writer. When it is full, <see cref="WriteAsync"/> waits, so a
/// reader stops reading its socket: back pressure instead of unbounded buffering (docs/architecture.md §7).
/// </summary>
public sealed class ArchiveChannel(IOptions<IngestionOptions> options)
{
    private readonly Channel<ArchiveItem> _channel = Channel.CreateBounded<ArchiveItem>(
        new BoundedChannelOptions(options.Value.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });

    public ChannelReader<ArchiveItem> Reader => _channel.Reader;

    public ValueTask WriteAsync(ArchiveItem item, CancellationToken cancellationToken) => _channel.Writer.WriteAsync(item, cancellationToken);

    /// <summary>No more items: the writer drains what is left and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    public int Count => _channel.Reader.Count;
}
