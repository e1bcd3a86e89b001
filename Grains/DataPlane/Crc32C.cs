using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of data-plane chunks, on the CPU's CRC32 instruction where
/// there is one (<see cref="BitOperations.Crc32C(uint, ulong)"/>). CRC-32C("123456789") = 0xE3069283.
/// </summary>
public static class Crc32C
{
    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(uint.MaxValue, data);

    /// <summary>Continues a running (pre-inverted, not yet finalised) CRC over more data.</summary>
    // Fully optimised from the first call: a few calls per tensor would otherwise run the loop unoptimised for a while.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        int words = data.Length / sizeof(ulong);
        foreach (ulong word in MemoryMarshal.Cast<byte, ulong>(data[..(words * sizeof(ulong))]))
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        foreach (byte b in data[(words * sizeof(ulong))..])
            crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}
