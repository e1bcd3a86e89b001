using CsCheck;
using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Core;

/// <summary>
/// Any truncation of a checkpoint, and any flip of one or more of its bits, is refused with
/// <see cref="CheckpointCorruptException"/> before anything is loaded: never another exception, never a silent load of
/// damaged values.
/// </summary>
public sealed class CheckpointDamageProperties : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-ckpt-damage-").FullName;
    private readonly byte[] _good;

    public CheckpointDamageProperties()
    {
        using var net = new CheckpointTests.Net(5);
        using var random = new Generator(1);
        net.Train(random, 3);
        net.Save(new RunContext(_folder, 1, CPU), 3);
        _good = File.ReadAllBytes(Path.Combine(_folder, Checkpoint.FileName));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Every_truncation_is_a_named_error()
    {
        Gen.Int[0, _good.Length - 1].Sample(length => AssertRefused(_good[..length]), iter: 300, threads: 1);
    }

    [Fact]
    public void Every_bit_flip_is_a_named_error()
    {
        Gen.Select(Gen.Int[0, _good.Length * 8 - 1].Array[1, 8], bits =>
        {
            var damaged = (byte[])_good.Clone();
            foreach (var bit in bits.Distinct()) damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            return damaged;
        }).Sample(damaged => AssertRefused(damaged), iter: 300, threads: 1);
    }

    private void AssertRefused(byte[] damaged)
    {
        var path = Path.Combine(_folder, "damaged.bin");
        File.WriteAllBytes(path, damaged);
        using var net = new CheckpointTests.Net(9);
        var before = net.Parameters;
        var error = Assert.Throws<CheckpointCorruptException>(() => Checkpoint.Load(path, net.Modules, net.Optimizers));
        Assert.Equal(path, error.CheckpointPath);
        Assert.Equal(before, net.Parameters);
    }
}
