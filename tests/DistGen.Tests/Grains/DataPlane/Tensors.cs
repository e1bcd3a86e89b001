using DistGen.Grains.DataPlane;
using Google.Protobuf;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

/// <summary>Payloads and hand-made chunks for the data-plane tests.</summary>
internal static class Tensors
{
    public static TensorPayload Random(long elements, int seed)
    {
        var random = new Random(seed);
        var data = new float[elements];
        for (int i = 0; i < data.Length; i++) data[i] = (random.NextSingle() - 0.5f) * 8;
        return new TensorPayload([elements], data);
    }

    public static TensorKey Gradients(int round, string sender = "w0") => TensorKey.GradientsOf("job-1", round, sender);

    /// <summary>A float32 chunk; the checksum is right unless one is given.</summary>
    public static Wire.TensorChunk Chunk(TensorKey key, long[] shape, long offset, long totalBytes, byte[] data, uint? crc = null)
    {
        var chunk = new Wire.TensorChunk
        {
            Key = new Wire.TensorKey { Job = key.Job, Kind = key.Kind, Version = key.Version, Sender = key.Sender },
            Dtype = Wire.DType.Float32,
            Offset = offset,
            TotalBytes = totalBytes,
            Data = ByteString.CopyFrom(data),
        };
        chunk.Shape.AddRange(shape);
        chunk.Crc32C = crc ?? ChunkChecksum.Of(chunk);
        return chunk;
    }

    public static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
