namespace DistGen.Grains.DataPlane;

/// <summary>
/// The data-plane client's TCP stream (installed through <c>SocketsHttpHandler.ConnectCallback</c>), batching socket
/// calls. SocketsHttpHandler writes one 16 KiB HTTP/2 DATA frame at a time and waits for each, and reads into buffers
/// of a few KiB: measured on loopback, a push made one send and a pull one receive per 8-16 KiB, and the system calls
/// and thread wake-ups cost more than the copies. Here reads fill a large buffer with whatever the socket holds, and
/// writes are copied into a buffer that a background loop sends while the handler goes on framing, so that frames
/// written meanwhile leave in one send. An idle connection sends a write at once: no latency is added.
/// A failed background send fails the next write or flush.
/// </summary>
internal sealed class BatchingConnectionStream(Stream inner, int bufferBytes = BatchingConnectionStream.DefaultBufferBytes) : Stream
{
    public const int DefaultBufferBytes = 256 << 10;

    private readonly Lock _lock = new();
    private readonly byte[] _readBuffer = new byte[bufferBytes];
    private int _readStart;
    private int _readEnd;

    // Writes go to _filling; the send loop swaps it with _spare and sends that.
    private byte[] _filling = new byte[bufferBytes];
    private byte[] _spare = new byte[bufferBytes];
    private int _filled;
    private bool _sending;
    private TaskCompletionSource _sent = NewSignal();
    private Exception? _failure;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (destination.IsEmpty) return 0;
        if (_readStart == _readEnd)
        {
            // A caller's buffer as large as ours gains nothing from a detour.
            if (destination.Length >= _readBuffer.Length) return await inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
            _readStart = 0;
            _readEnd = await inner.ReadAsync(_readBuffer, cancellationToken).ConfigureAwait(false);
            if (_readEnd == 0) return 0;
        }
        int count = Math.Min(destination.Length, _readEnd - _readStart);
        _readBuffer.AsSpan(_readStart, count).CopyTo(destination.Span);
        _readStart += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        while (!source.IsEmpty)
        {
            Task waitFor;
            lock (_lock)
            {
                if (_failure is not null) throw new IOException("the connection failed while sending", _failure);
                int room = _filling.Length - _filled;
                if (room > 0)
                {
                    int count = Math.Min(room, source.Length);
                    source.Span[..count].CopyTo(_filling.AsSpan(_filled));
                    _filled += count;
                    source = source[count..];
                    if (!_sending)
                    {
                        _sending = true;
                        _ = Task.Run(SendLoopAsync, CancellationToken.None);
                    }
                    continue;
                }
                // Both buffers are full: wait for the send in flight (back-pressure).
                waitFor = _sent.Task;
            }
            await waitFor.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    /// <summary>Returns once everything written so far has been sent.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task waitFor;
            lock (_lock)
            {
                if (_failure is not null) throw new IOException("the connection failed while sending", _failure);
                if (!_sending) break;
                waitFor = _sent.Task;
            }
            await waitFor.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            byte[] batch;
            int length;
            TaskCompletionSource sent;
            lock (_lock)
            {
                if (_filled == 0)
                {
                    _sending = false;
                    _sent.TrySetResult();
                    _sent = NewSignal();
                    return;
                }
                (batch, length, _filling, _spare, _filled) = (_filling, _filled, _spare, _filling, 0);
                sent = _sent;
                _sent = NewSignal();
            }
            // Writers waiting for room may fill the buffer just swapped out.
            sent.TrySetResult();
            try
            {
                await inner.WriteAsync(batch.AsMemory(0, length)).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                lock (_lock)
                {
                    _failure = failure;
                    _sending = false;
                    _sent.TrySetResult();
                }
                return;
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
