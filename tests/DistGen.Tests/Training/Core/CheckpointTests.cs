using DistGen.Training.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Core;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (nn.Module<Tensor, Tensor> Net, Adam Optimizer) Build(long seed)
    {
        var net = Seeding.Build(seed, () => nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)));
        return (net, optim.Adam(net.parameters(), 0.01));
    }

    private static void Train(nn.Module<Tensor, Tensor> net, Adam optimizer, Generator random, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var x = randn(new long[] { 16, 4 }, generator: random);
            net.forward(x).pow(2).mean().backward();
            optimizer.step();
        }
    }

    [Fact]
    public void Resuming_from_a_checkpoint_continues_bit_exactly()
    {
        // Uninterrupted: 5 steps, then 5 more.
        var (net, optimizer) = Build(11);
        using var random = new Generator(21);
        Train(net, optimizer, random, 5);
        var path = Path.Combine(_folder, "checkpoint.bin");
        Checkpoint.Save(path, new Dictionary<string, nn.Module> { ["net"] = net },
            new Dictionary<string, OptimizerHelper> { ["net"] = optimizer }, new Dictionary<string, ulong> { ["step"] = 5 },
            new Dictionary<string, Generator> { ["data"] = random });
        Train(net, optimizer, random, 5);
        var expected = ParameterVector.Flatten(net.parameters());

        // Resumed: a differently seeded model and generator, then loaded and trained for the same 5 steps.
        var (resumed, resumedOptimizer) = Build(99);
        using var resumedRandom = new Generator(77);
        randn(new long[] { 1000 }, generator: resumedRandom);
        var counters = Checkpoint.Load(path, new Dictionary<string, nn.Module> { ["net"] = resumed },
            new Dictionary<string, OptimizerHelper> { ["net"] = resumedOptimizer }, new Dictionary<string, Generator> { ["data"] = resumedRandom });
        Train(resumed, resumedOptimizer, resumedRandom, 5);

        Assert.Equal(5UL, counters["step"]);
        Assert.Equal(expected, ParameterVector.Flatten(resumed.parameters()));
    }

    [Fact]
    public void Loading_a_file_that_is_not_a_checkpoint_names_the_problem()
    {
        var path = Path.Combine(_folder, "junk.bin");
        File.WriteAllText(path, "hello");
        var (net, optimizer) = Build(1);
        var error = Assert.ThrowsAny<Exception>(() => Checkpoint.Load(path,
            new Dictionary<string, nn.Module> { ["net"] = net }, new Dictionary<string, OptimizerHelper> { ["net"] = optimizer }));
        Assert.Contains("checkpoint", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
