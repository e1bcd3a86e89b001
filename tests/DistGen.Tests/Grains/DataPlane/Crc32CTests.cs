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
}
