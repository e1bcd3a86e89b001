using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Core;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A small network with its optimizer, and what a checkpoint holds of them.</summary>
    internal sealed class Net : IDisposable
    {
        public Net(long seed)
        {
            Module = Seeding.Build(seed, () => nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)));
            Optimizer = AdamOptimizer.Adam(Module.parameters(), 0.01);
        }

        public nn.Module<Tensor, Tensor> Module { get; }
        public AdamOptimizer Optimizer { get; }
        public Dictionary<string, nn.Module> Modules => new() { ["net"] = Module };
        public Dictionary<string, AdamOptimizer> Optimizers => new() { ["net"] = Optimizer };
        public float[] Parameters => ParameterVector.Flatten(Module.parameters());

        public void Train(Generator random, int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                Optimizer.ZeroGrad();
                var x = randn(new long[] { 16, 4 }, generator: random);
                Module.forward(x).pow(Scalars.Constant(2L)).mean().backward();
                Optimizer.Step();
            }
        }

        public void Save(RunContext ctx, ulong step) => Checkpoint.Save(ctx, Modules, Optimizers, new Dictionary<string, ulong> { ["step"] = step });

        public void Dispose()
        {
            Optimizer.Dispose();
            Module.Dispose();
        }
    }

    private RunContext Run(IArtifactFence? fence = null, List<string>? notices = null) =>
        new(_folder, 1, CPU, Fence: fence, Notices: notices is null ? null : notices.Add);

    [Fact]
    public void Resuming_from_a_checkpoint_continues_bit_exactly()
    {
        // Uninterrupted: 5 steps, then 5 more.
        using var net = new Net(11);
        using var random = new Generator(21);
        net.Train(random, 5);
        Checkpoint.Save(Run(), net.Modules, net.Optimizers, new Dictionary<string, ulong> { ["step"] = 5 },
            new Dictionary<string, Generator> { ["data"] = random });
        net.Train(random, 5);

        // Resumed: a differently seeded model and generator, then loaded and trained for the same 5 steps.
        using var resumed = new Net(99);
        using var resumedRandom = new Generator(77);
        randn(new long[] { 1000 }, generator: resumedRandom).Dispose();
        var counters = Checkpoint.Resume(Run(), resumed.Modules, resumed.Optimizers, new Dictionary<string, Generator> { ["data"] = resumedRandom });
        resumed.Train(resumedRandom, 5);

        Assert.Equal(5UL, counters!["step"]);
        Assert.Equal(net.Parameters, resumed.Parameters);
    }

    [Fact]
    public void A_folder_without_a_checkpoint_resumes_nothing()
    {
        using var net = new Net(1);
        Assert.Null(Checkpoint.Resume(Run(), net.Modules, net.Optimizers));
    }

    [Fact]
    public void Loading_a_file_that_is_not_a_checkpoint_names_the_file_and_the_problem()
    {
        var path = Path.Combine(_folder, "junk.bin");
        File.WriteAllText(path, "hello, this is not a checkpoint at all, but it is long enough to have a header and a hash");
        using var net = new Net(1);
        var error = Assert.Throws<CheckpointCorruptException>(() => Checkpoint.Load(path, net.Modules, net.Optimizers));
        Assert.Contains(path, error.Message);
        Assert.Contains("header", error.Reason);
    }

    [Fact]
    public void A_save_keeps_the_latest_checkpoint_as_the_previous_one()
    {
        using var net = new Net(3);
        using var random = new Generator(5);
        net.Save(Run(), 1);
        net.Train(random, 2);
        net.Save(Run(), 3);

        using var latest = new Net(8);
        using var previous = new Net(8);
        Assert.Equal(3UL, Checkpoint.Load(Path.Combine(_folder, Checkpoint.FileName), latest.Modules, latest.Optimizers)["step"]);
        Assert.Equal(1UL, Checkpoint.Load(Path.Combine(_folder, Checkpoint.PreviousFileName), previous.Modules, previous.Optimizers)["step"]);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void A_damaged_latest_checkpoint_is_set_aside_and_the_run_continues_from_the_previous_one()
    {
        using var net = new Net(3);
        using var random = new Generator(5);
        net.Save(Run(), 1);
        var atRoundOne = net.Parameters;
        net.Train(random, 2);
        net.Save(Run(), 3);
        var latest = Path.Combine(_folder, Checkpoint.FileName);
        var bytes = File.ReadAllBytes(latest);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(latest, bytes);

        var notices = new List<string>();
        using var resumed = new Net(8);
        var counters = Checkpoint.Resume(Run(notices: notices), resumed.Modules, resumed.Optimizers);

        Assert.Equal(1UL, counters!["step"]);
        Assert.Equal(atRoundOne, resumed.Parameters);
        Assert.True(File.Exists(Path.Combine(_folder, Checkpoint.DamagedFileName)));
        Assert.False(File.Exists(latest));
        Assert.Contains(notices, n => n.Contains("SHA-256") && n.Contains("previous checkpoint"));
    }

    [Fact]
    public void When_every_checkpoint_is_damaged_resuming_fails_with_a_named_error_instead_of_starting_over()
    {
        using var net = new Net(3);
        net.Save(Run(), 1);
        net.Save(Run(), 2);
        foreach (var name in new[] { Checkpoint.FileName, Checkpoint.PreviousFileName })
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
        }

        using var resumed = new Net(8);
        var error = Assert.Throws<CheckpointCorruptException>(() => Checkpoint.Resume(Run(), resumed.Modules, resumed.Optimizers));
        Assert.Contains("truncated", error.Message);
        Assert.Contains("latest checkpoint was damaged too", error.Message);
    }

    [Fact]
    public void A_superseded_writer_leaves_the_checkpoint_and_no_temporary_file_behind()
    {
        using var net = new Net(3);
        net.Save(Run(), 1);
        var before = File.ReadAllBytes(Path.Combine(_folder, Checkpoint.FileName));

        Assert.Throws<SupersededRunException>(() => net.Save(Run(new ClosedFence()), 2));

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(_folder, Checkpoint.FileName)));
        Assert.False(File.Exists(Path.Combine(_folder, Checkpoint.PreviousFileName)));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void Two_writers_never_share_a_temporary_file()
    {
        Assert.NotEqual(Run(new ClosedFence("7")).TemporaryPathOf(Checkpoint.FileName), Run(new ClosedFence("8")).TemporaryPathOf(Checkpoint.FileName));
    }

    private sealed class ClosedFence(string writer = "old") : IArtifactFence
    {
        public string WriterId => writer;

        public void ThrowIfSuperseded(string artifact) => throw new SupersededRunException($"run taken over; not writing {artifact}");

        public void ThrowIfSupersededWhileWriting(string artifact) => throw new SupersededRunException($"run taken over while writing {artifact}");
    }
}
