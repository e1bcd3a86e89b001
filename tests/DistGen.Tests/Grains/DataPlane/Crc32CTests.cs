using System.Text;
using DistGen.Grains.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class Crc32CTests
{
    [Fact]
    public void Crc32C_of_the_check_string_is_E3069283() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Crc32C_of_nothing_is_0() => Assert.Equal(0u, Crc32C.Compute([]));

    [Fact]
    public void Crc32C_of_32_zero_bytes_is_the_RFC_3720_value() =>
        // RFC 3720 (iSCSI), appendix B.4: 32 bytes of zeros.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));

    [Fact]
    public void Crc32C_sees_a_single_flipped_bit_in_every_position_of_a_tail()
    {
        var data = Tensors.Bytes(1027, seed: 1);
        uint reference = Crc32C.Compute(data);
        for (int i = 1016; i < data.Length; i++)
        {
            data[i] ^= 0x10;
            Assert.NotEqual(reference, Crc32C.Compute(data));
            data[i] ^= 0x10;
        }
    }

    [Theory]
    [InlineData(24 << 10)]
    [InlineData((24 << 10) + 13)]
    [InlineData(3 * (24 << 10) - 1)]
    [InlineData(1 << 20)]
    public void Crc32C_of_long_inputs_equals_the_bitwise_definition(int length)
    {
        var data = Tensors.Bytes(length, seed: length);
        Assert.Equal(BitwiseCrc32C(data), Crc32C.Compute(data));
    }

    // The definition, one bit at a time: reflected polynomial 0x82F63B78, initial and final xor 0xFFFFFFFF.
    private static uint BitwiseCrc32C(byte[] data)
    {
        uint crc = uint.MaxValue;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++) crc = (crc >> 1) ^ ((crc & 1) * 0x82F63B78u);
        }
        return ~crc;
    }
}
