using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Core;

public sealed class ComputeDeviceTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("CPU")]
    public void Cpu_names_parse_to_the_cpu(string name) => Assert.Equal(DeviceType.CPU, ComputeDevice.Parse(name).type);

    [Fact]
    public void Auto_falls_back_to_the_cpu_without_a_gpu()
    {
        var expected = cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        Assert.Equal(expected, ComputeDevice.Parse("auto").type);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    public void Malformed_names_are_rejected_with_the_allowed_list(string name)
    {
        Assert.False(ComputeDevice.IsWellFormed(name));
        var error = Assert.Throws<ArgumentException>(() => ComputeDevice.Parse(name));
        Assert.Contains("cuda:N", error.Message);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public void Cuda_names_are_well_formed(string name) => Assert.True(ComputeDevice.IsWellFormed(name));
}
