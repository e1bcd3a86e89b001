using System.Buffers;
using Grpc.Core;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// A <c>TensorChunk</c> message as received: read straight from gRPC's receive buffer, with its data in a pooled
/// buffer rather than a fresh 1 MiB array per chunk (which would land on the large-object heap and cost a collection
/// every few chunks). Dispose it once its data is copied. A message that is not valid protobuf is kept as a
/// <see cref="Problem"/>, so the stream is refused with a named error like any other bad chunk.
/// </summary>
public sealed class ReceivedChunk : IDisposable
{
    private byte[]? _buffer;
    private int _length;

    /// <summary>Deserializes chunks for the hand-bound gRPC methods (<see cref="TensorExchangeMethods"/>).</summary>
    internal static Marshaller<ReceivedChunk> Marshaller { get; } = Marshallers.Create<ReceivedChunk>(
        (_, _) => throw new NotSupportedException("chunks are sent as Contracts.DataPlane.TensorChunk"),
        context => Parse(context.PayloadAsReadOnlySequence()));

    public Wire.TensorKey? Key { get; private set; }

    public Wire.DType DType { get; private set; }

    public long[] Shape { get; private set; } = [];

    public long Offset { get; private set; }

    public long TotalBytes { get; private set; }

    public uint Crc32C { get; private set; }

    /// <summary>
    /// The checksum of the chunk as received (<see cref="ChunkChecksum"/>), to compare with <see cref="Crc32C"/>, given the
    /// bytes of its key (<see cref="ChunkChecksum.KeyBytes"/>, the same for every chunk of a stream, so computed once).
    /// The part over <see cref="Data"/> is computed while copying it, when the bytes are in cache.
    /// </summary>
    public uint ComputedCrc32C(ReadOnlySpan<byte> keyBytes) =>
        ChunkChecksum.Finish(_runningDataCrc, keyBytes, DType, Shape, Offset, TotalBytes);

    private uint _runningDataCrc = DataPlane.Crc32C.Start;

    /// <summary>Why the message could not be read, or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>The chunk's bytes (valid until disposed): in its pooled buffer, or where it was placed.</summary>
    public ReadOnlySpan<byte> Data => PlacedIn is { } destination ? destination.At(PlacedAt, _length) : _buffer.AsSpan(0, _length);

    /// <summary>The destination the data was copied into while parsing, at <see cref="PlacedAt"/>, or null (then it is in a pooled buffer).</summary>
    internal ChunkDestination? PlacedIn { get; private set; }

    /// <summary>The byte offset of the tensor the data was placed at (the offset the chunk carried when its data was read).</summary>
    internal long PlacedAt { get; private set; }

    public void Dispose()
    {
        PlacedIn = null;
        _length = 0;
        _runningDataCrc = DataPlane.Crc32C.Start;
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }

    /// <summary>Reads the protobuf encoding of <c>TensorChunk</c> (fields 1-7; unknown fields are skipped).</summary>
    internal static ReceivedChunk Parse(ReadOnlySequence<byte> message)
    {
        var chunk = new ReceivedChunk();
        var reader = new SequenceReader<byte>(message);
        var shape = new List<long>();
        try
        {
            while (!reader.End)
            {
                ulong tag = ReadVarint(ref reader);
                int wireType = (int)(tag & 7);
                switch (tag >> 3, wireType)
                {
                    case (1, 2): chunk.Key = Wire.TensorKey.Parser.ParseFrom(ReadDelimited(ref reader)); break;
                    case (2, 0): chunk.DType = (Wire.DType)(int)ReadVarint(ref reader); break;
                    case (3, 0): shape.Add((long)ReadVarint(ref reader)); break;
                    case (3, 2):
                        var packed = new SequenceReader<byte>(ReadDelimited(ref reader));
                        while (!packed.End) shape.Add((long)ReadVarint(ref packed));
                        break;
                    case (4, 0): chunk.Offset = (long)ReadVarint(ref reader); break;
                    case (5, 0): chunk.TotalBytes = (long)ReadVarint(ref reader); break;
                    case (6, 5): chunk.Crc32C = reader.TryReadLittleEndian(out int crc) ? (uint)crc : throw Truncated(); break;
                    case (7, 2): chunk.ReadData(ReadDelimited(ref reader), ChunkDestination.Current); break;
                    default: Skip(ref reader, wireType); break;
                }
            }
        }
        catch (InvalidDataException bad)
        {
            chunk.Problem = $"a chunk is not a valid TensorChunk message: {bad.Message}";
        }
        chunk.Shape = [.. shape];
        return chunk;
    }

    private void ReadData(ReadOnlySequence<byte> data, ChunkDestination? destination)
    {
        Dispose();
        _length = (int)data.Length;
        // The generated sender writes fields in number order, so dtype and offset are known by now.
        if (DType == Wire.DType.Float32 && destination is not null && destination.Fits(Offset, data.Length))
        {
            _runningDataCrc = destination.Place(Offset, data);
            (PlacedIn, PlacedAt) = (destination, Offset);
            return;
        }
        _buffer = ArrayPool<byte>.Shared.Rent(_length);
        uint crc = DataPlane.Crc32C.Start;
        int at = 0;
        foreach (var segment in data)
        {
            var copy = _buffer.AsSpan(at, segment.Length);
            segment.Span.CopyTo(copy);
            crc = DataPlane.Crc32C.Append(crc, copy);
            at += segment.Length;
        }
        _runningDataCrc = crc;
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out byte b)) throw Truncated();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("a varint is longer than 10 bytes");
    }

    private static ReadOnlySequence<byte> ReadDelimited(ref SequenceReader<byte> reader)
    {
        ulong length = ReadVarint(ref reader);
        if (length > (ulong)reader.Remaining) throw Truncated();
        var slice = reader.UnreadSequence.Slice(0, (long)length);
        reader.Advance((long)length);
        return slice;
    }

    private static void Skip(ref SequenceReader<byte> reader, int wireType)
    {
        long bytes = wireType switch
        {
            0 => 0,
            1 => 8,
            2 => 0,
            5 => 4,
            _ => throw new InvalidDataException($"unsupported wire type {wireType}"),
        };
        if (wireType == 0) ReadVarint(ref reader);
        else if (wireType == 2) ReadDelimited(ref reader);
        else if (reader.Remaining >= bytes) reader.Advance(bytes);
        else throw Truncated();
    }

    private static InvalidDataException Truncated() => new("the message ends inside a field");
}
