using System.Runtime.InteropServices;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Rebuilds one tensor from its chunk stream, checking every chunk: the same key, dtype, shape and total as the first,
/// contiguous offsets, a size within the limit, its CRC-32C (over data and header), and total bytes that match the shape. Each chunk's bytes
/// are copied once, straight into the preallocated float32 destination (widened when they are bfloat16).
/// </summary>
internal sealed class TensorChunkAssembler
{
    private readonly Wire.TensorKey _wireKey;
    private readonly byte[] _keyBytes;
    private readonly Wire.DType _dtype;
    private readonly long[] _shape;
    private readonly long _totalBytes;
    private readonly int _maxChunkBytes;
    private readonly int _elementSize;
    private float[]? _data;
    private ChunkDestination? _destination;
    private long _received;

    /// <summary>Checks the header of a stream's first chunk; nothing is allocated yet.</summary>
    public TensorChunkAssembler(ReceivedChunk first, int maxChunkBytes)
    {
        if (first.Problem is { } unreadable) throw new MalformedTensorStreamException(unreadable);
        _wireKey = first.Key ?? new Wire.TensorKey();
        _keyBytes = ChunkChecksum.KeyBytes(first.Key);
        _dtype = first.DType;
        _shape = first.Shape;
        _totalBytes = first.TotalBytes;
        _maxChunkBytes = maxChunkBytes;
        Key = WireKey.FromWire(_wireKey);
        if (WireKey.Problem(Key) is { } problem) throw new MalformedTensorStreamException(problem);
        _elementSize = TensorWireFormat.ElementSize(_dtype);
        var shape = TensorWireFormat.Describe(_shape);
        long elements = TensorWireFormat.ElementCount(_shape) is { } n && n * sizeof(float) <= int.MaxValue
            ? n
            : throw new MalformedTensorStreamException($"shape {shape} of {Key} has a negative dimension or more than {int.MaxValue / sizeof(float)} elements");
        if (_totalBytes != elements * _elementSize)
            throw new MalformedTensorStreamException(
                $"total_bytes {_totalBytes} of {Key} does not match shape {shape} of dtype {_dtype} ({elements} elements x {_elementSize} bytes = {elements * _elementSize})");
        Elements = elements;
    }

    /// <summary>The tensor's key.</summary>
    public TensorKey Key { get; }

    /// <summary>Number of float32 elements.</summary>
    public long Elements { get; }

    /// <summary>Bytes of the tensor's data on the wire (in its wire format).</summary>
    public long WireBytes => _totalBytes;

    /// <summary>Bytes the tensor occupies as float32 (what the store counts).</summary>
    public long StoreBytes => Elements * sizeof(float);

    /// <summary>Checks a chunk (the first one included) and copies its data into place.</summary>
    public void Add(ReceivedChunk chunk)
    {
        string At() => $"chunk at offset {chunk.Offset} of {Key}";
        if (chunk.Problem is { } unreadable) throw Malformed($"{At()}: {unreadable}");
        if (!Equals(chunk.Key, _wireKey)) throw Malformed($"{At()} carries key {WireKey.FromWire(chunk.Key)}: every chunk of a stream must carry the same key");
        if (chunk.DType != _dtype) throw Malformed($"{At()} has dtype {chunk.DType}, the stream started with {_dtype}");
        if (!chunk.Shape.AsSpan().SequenceEqual(_shape)) throw Malformed($"{At()} has shape {TensorWireFormat.Describe(chunk.Shape)}, the stream started with {TensorWireFormat.Describe(_shape)}");
        if (chunk.TotalBytes != _totalBytes) throw Malformed($"{At()} has total_bytes {chunk.TotalBytes}, the stream started with {_totalBytes}");
        if (chunk.Offset != _received) throw Malformed($"{At()} is out of order: expected offset {_received} (chunks must be contiguous)");
        var data = chunk.Data;
        if (data.Length > _maxChunkBytes) throw Malformed($"{At()} has {data.Length} bytes, above the chunk limit of {_maxChunkBytes} bytes (DataPlane:MaxChunkBytes)");
        if (data.Length == 0 && _totalBytes > 0) throw Malformed($"{At()} is empty");
        if (data.Length > _totalBytes - _received) throw Malformed($"{At()} with {data.Length} bytes runs past total_bytes {_totalBytes}");
        if (data.Length % _elementSize != 0) throw Malformed($"{At()} has {data.Length} bytes, not a whole number of {_elementSize}-byte elements");
        uint crc = chunk.ComputedCrc32C(_keyBytes); // the key was checked equal to the first chunk's above
        if (crc != chunk.Crc32C) throw Malformed($"{At()} fails its CRC-32C check (carried 0x{chunk.Crc32C:X8}, computed 0x{crc:X8})");

        _data ??= GC.AllocateUninitializedArray<float>((int)Elements);
        if (chunk.PlacedIn is not null && chunk.PlacedIn == _destination && chunk.PlacedAt == _received)
        {
            // Parsed straight into place.
        }
        else if (_elementSize == sizeof(float))
            data.CopyTo(MemoryMarshal.AsBytes(_data.AsSpan())[(int)_received..]);
        else
            BFloat16.Widen(data, _data.AsSpan((int)(_received / _elementSize)));
        _received += data.Length;
        if (_destination is not null) _destination.Expected = _received;
    }

    /// <summary>
    /// Where the stream's further float32 chunks can be parsed into (<see cref="ChunkDestination"/>); null for another
    /// wire format or an empty tensor. Offer it once the first chunk has been added.
    /// </summary>
    public ChunkDestination? Destination
    {
        get
        {
            if (_elementSize != sizeof(float) || Elements == 0) return null;
            _data ??= GC.AllocateUninitializedArray<float>((int)Elements);
            return _destination ??= new ChunkDestination(_data) { Expected = _received };
        }
    }

    /// <summary>Ends the offer of <see cref="Destination"/> (call when the stream has been read, or abandoned).</summary>
    public void CloseDestination() => _destination?.Close();

    /// <summary>The whole tensor, once every byte arrived.</summary>
    public TensorPayload Complete()
    {
        if (_received != _totalBytes)
            throw Malformed($"the stream of {Key} ended after {_received} of {_totalBytes} bytes");
        return new TensorPayload([.. _shape], _data ?? []);
    }

    private static MalformedTensorStreamException Malformed(string message) => new(message);
}
