using System.Buffers;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The float32 array a tensor is being received into, offered to the chunk parser so that it copies each chunk's data
/// straight into place (computing its CRC on the way) rather than into a pooled buffer the assembler copies again: one
/// pass over every received byte fewer. The receiving side (a silo's push handler, a client's pull) offers it through
/// <see cref="Current"/> once the stream's first chunk has sized the tensor. It flows as an <see cref="AsyncLocal{T}"/>
/// because gRPC deserialises a message inside the awaited read of the stream; a parser that does not see it (or a chunk
/// that does not fit the next expected place) falls back to the pooled copy, with the same checks either way.
/// A chunk placed here is still checked by <see cref="TensorChunkAssembler.Add"/>: a bad one fails the whole tensor,
/// and the array, written only at the offset expected next and within its bounds, is then dropped.
/// </summary>
internal sealed class ChunkDestination(float[] target)
{
    private float[]? _target = target;

    private static readonly AsyncLocal<ChunkDestination?> Offered = new();

    /// <summary>The destination offered to chunks parsed in this async flow, or null.</summary>
    public static ChunkDestination? Current
    {
        get => Offered.Value;
        set => Offered.Value = value;
    }

    /// <summary>The byte offset of the tensor where the next chunk goes; the assembler advances it.</summary>
    public long Expected { get; set; }

    /// <summary>The destination's bytes at a byte offset of the tensor.</summary>
    public Span<byte> At(long offset, int length) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(Target.AsSpan()).Slice((int)offset, length);

    /// <summary>True when a float32 chunk of <paramref name="length"/> bytes at <paramref name="offset"/> goes here now.</summary>
    public bool Fits(long offset, long length) =>
        _target is { } target && offset == Expected && length > 0 && length % sizeof(float) == 0 && offset + length <= (long)target.Length * sizeof(float);

    /// <summary>
    /// Ends the offer once the stream is read: anything that captured the async flow meanwhile keeps this small object,
    /// not the tensor.
    /// </summary>
    public void Close() => _target = null;

    private float[] Target => _target ?? throw new ObjectDisposedException(nameof(ChunkDestination));

    /// <summary>Copies a chunk's data into place and returns the running CRC-32C over it.</summary>
    public uint Place(long offset, ReadOnlySequence<byte> data)
    {
        var place = At(offset, (int)data.Length);
        uint crc = Crc32C.Start;
        int at = 0;
        foreach (var segment in data)
        {
            var copy = place.Slice(at, segment.Length);
            segment.Span.CopyTo(copy);
            crc = Crc32C.Append(crc, copy);
            at += segment.Length;
        }
        return crc;
    }
}
