using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Archiver.Simulator.Ums;

/// <summary>
/// The silence fault at the transport: while it lasts, nothing is read from the connection, so not even a client's
/// pings are read (and ponged) — a keep-alive with a timeout notices. (Pausing only the WebSocket read loop is not enough:
/// a receive already waiting answers pings by itself.)
/// </summary>
public sealed class SilenceGate
{
    private long _silentUntil;
    private Action? _held;

    /// <param name="held">Called when the silence actually holds a read back (the fault record's proof it did something).</param>
    public void Silence(TimeSpan duration, Action? held = null)
    {
        Volatile.Write(ref _held, held);
        Interlocked.Exchange(ref _silentUntil, Environment.TickCount64 + (long)duration.TotalMilliseconds);
    }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        long remaining;
        while ((remaining = Interlocked.Read(ref _silentUntil) - Environment.TickCount64) > 0)
        {
            Volatile.Read(ref _held)?.Invoke();
            await Task.Delay(TimeSpan.FromMilliseconds(remaining), cancellationToken);
        }
    }

    /// <summary>Middleware (before UseWebSockets): upgraded connections read through a gate the socket's faults control.</summary>
    public static Task Install(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            var gate = new SilenceGate();
            context.Items[typeof(SilenceGate)] = gate;
            context.Features.Set<IHttpUpgradeFeature>(new GatedUpgrade(upgrade, gate));
        }
        return next(context);
    }

    private sealed class GatedUpgrade(IHttpUpgradeFeature inner, SilenceGate gate) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => new GatedStream(await inner.UpgradeAsync(), gate);
    }

    private sealed class GatedStream(Stream inner, SilenceGate gate) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
