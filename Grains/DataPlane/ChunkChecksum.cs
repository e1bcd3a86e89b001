using System.Buffers.Binary;
using Google.Protobuf;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The CRC-32C a chunk carries: over its data, then over its header (dtype, rank, offset, total bytes, each dimension,
/// then the key's protobuf bytes) in a fixed little-endian layout. A header changed in transit is therefore refused
/// like changed data: without it, a one-chunk stream whose shape and dtype both changed consistently (77 float32
/// elements read as 77 x 2 bfloat16) would rebuild a different, well-formed tensor.
/// </summary>
public static class ChunkChecksum
{
    /// <summary>The checksum of a whole chunk message as it stands.</summary>
    public static uint Of(Wire.TensorChunk chunk)
    {
        long[] shape = [.. chunk.Shape];
        return Finish(Crc32C.Append(Crc32C.Start, chunk.Data.Span), KeyBytes(chunk.Key), chunk.Dtype, shape, chunk.Offset, chunk.TotalBytes);
    }

    /// <summary>
    /// The checksum of an artifact chunk (<c>artifact_exchange.proto</c>): over its data, then its offset (8 bytes,
    /// little-endian), so a chunk delivered at the wrong place is refused like a damaged one.
    /// </summary>
    public static uint OfArtifactChunk(long offset, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(header, offset);
        return Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, data), header));
    }

    /// <summary>The key's bytes as the checksum covers them (compute once per stream when sending).</summary>
    public static byte[] KeyBytes(Wire.TensorKey? key) => key?.ToByteArray() ?? [];

    /// <summary>Ends a running CRC over a chunk's data by appending its header.</summary>
    internal static uint Finish(uint runningDataCrc, ReadOnlySpan<byte> keyBytes, Wire.DType dtype, ReadOnlySpan<long> shape, long offset, long totalBytes)
    {
        Span<byte> fixedPart = stackalloc byte[24];
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart, (int)dtype);
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart[4..], shape.Length);
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart[8..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart[16..], totalBytes);
        uint crc = Crc32C.Append(runningDataCrc, fixedPart);
        Span<byte> dimension = stackalloc byte[8];
        foreach (long size in shape)
        {
            BinaryPrimitives.WriteInt64LittleEndian(dimension, size);
            crc = Crc32C.Append(crc, dimension);
        }
        return Crc32C.Finish(Crc32C.Append(crc, keyBytes));
    }
}
