using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of data-plane chunks, on the CPU's CRC32 instruction where
/// there is one (<see cref="BitOperations.Crc32C(uint, ulong)"/>). CRC-32C("123456789") = 0xE3069283.
/// The instruction has a latency of about 3 cycles and a throughput of 1 per cycle, so one dependent chain runs at a
/// third of its speed: long inputs run three independent chains over three adjacent blocks and join them
/// (CRC(A‖B) = CRC(A) shifted over |B| zero bytes, xor CRC of B from a zero register; the shift is linear, hence a table).
/// </summary>
public static class Crc32C
{
    // Bytes per chain in one stride of three chains.
    private const int BlockBytes = 8 << 10;
    private const uint Polynomial = 0x82F63B78;

    // ShiftTable[k * 256 + v]: the register v << 8k after BlockBytes zero bytes.
    private static readonly uint[] ShiftTable = BuildShiftTable();

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    /// <summary>The running CRC before any data (Append, then Finish, gives <see cref="Compute"/>).</summary>
    internal const uint Start = uint.MaxValue;

    /// <summary>The CRC-32C of the data appended to a running CRC.</summary>
    internal static uint Finish(uint crc) => ~crc;

    /// <summary>Continues a running (pre-inverted, not yet finalised) CRC over more data.</summary>
    // Fully optimised from the first call: a few calls per tensor would otherwise run the loop unoptimised for a while.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 3 * BlockBytes)
        {
            var a = MemoryMarshal.Cast<byte, ulong>(data[..BlockBytes]);
            var b = MemoryMarshal.Cast<byte, ulong>(data.Slice(BlockBytes, BlockBytes));
            var c = MemoryMarshal.Cast<byte, ulong>(data.Slice(2 * BlockBytes, BlockBytes));
            uint crcB = 0, crcC = 0;
            for (int i = 0; i < a.Length; i++)
            {
                crc = BitOperations.Crc32C(crc, LittleEndian(a[i]));
                crcB = BitOperations.Crc32C(crcB, LittleEndian(b[i]));
                crcC = BitOperations.Crc32C(crcC, LittleEndian(c[i]));
            }
            crc = Shift(Shift(crc) ^ crcB) ^ crcC;
            data = data[(3 * BlockBytes)..];
        }
        int words = data.Length / sizeof(ulong);
        foreach (ulong word in MemoryMarshal.Cast<byte, ulong>(data[..(words * sizeof(ulong))]))
            crc = BitOperations.Crc32C(crc, LittleEndian(word));
        foreach (byte b in data[(words * sizeof(ulong))..])
            crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    private static ulong LittleEndian(ulong word) => BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);

    /// <summary>The register <paramref name="crc"/> after <see cref="BlockBytes"/> zero bytes.</summary>
    private static uint Shift(uint crc) =>
        ShiftTable[crc & 0xFF] ^ ShiftTable[256 + ((crc >> 8) & 0xFF)] ^ ShiftTable[512 + ((crc >> 16) & 0xFF)] ^ ShiftTable[768 + (crc >> 24)];

    private static uint[] BuildShiftTable()
    {
        // The shift of each of the 32 single-bit registers, one zero bit at a time; every other register is an xor of them.
        var bit = new uint[32];
        for (int j = 0; j < 32; j++)
        {
            uint r = 1u << j;
            for (int n = 0; n < 8 * BlockBytes; n++) r = (r >> 1) ^ ((r & 1) * Polynomial);
            bit[j] = r;
        }
        var table = new uint[4 * 256];
        for (int k = 0; k < 4; k++)
            for (int v = 0; v < 256; v++)
                for (int j = 0; j < 8; j++)
                    if ((v & (1 << j)) != 0) table[k * 256 + v] ^= bit[8 * k + j];
        return table;
    }
}
