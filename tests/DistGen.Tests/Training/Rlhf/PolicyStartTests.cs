using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.Language;
using DistGen.Training.Rlhf;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Rlhf;

/// <summary>A pretraining stage that a taken-over RLHF job runs again in the same run folder continues where it stopped.</summary>
[Collection(DistGen.Tests.Training.Rl.SerialTorchCollection.Name)]
public sealed class PolicyStartTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-policy-start-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly CorpusTokenStream Tokens =
        new(string.Concat(Enumerable.Repeat("and god said let there be light and there was light\n", 60)));

    private static readonly CharLmModelOptions Model = new() { ContextLength = 16, ModelDimension = 16, Heads = 2, Layers = 1 };

    private static readonly RlhfTrainingOptions Training = new()
    {
        Pretrain = new CharLmTrainingOptions { Steps = 12, BatchSize = 8, WarmupSteps = 2, EvalInterval = 4, EvalBatches = 2, SampleCount = 0, SamplePrompt = "and " },
    };

    private (float[] Weights, List<long> Steps) Load(string folder, long stopAfter = long.MaxValue)
    {
        var steps = new List<long>();
        using var stop = new CancellationTokenSource();
        var progress = new Reported(p =>
        {
            steps.Add(p.Step);
            if (p.Step >= stopAfter) stop.Cancel();
        });
        var ctx = new RunContext(folder, 3, CPU, progress, stop.Token);
        using var lm = PolicyStart.Load(Model, Training, Tokens, ctx, workers: 2, checkpointEvery: 5);
        return (ParameterVector.Flatten(lm.parameters()), steps);
    }

    [Fact]
    public void Pretraining_cut_short_continues_from_its_checkpoint_and_a_finished_one_is_only_loaded_with_the_same_result()
    {
        var straight = Load(Path.Combine(_folder, "straight"));
        var folder = Path.Combine(_folder, "taken-over");
        Assert.ThrowsAny<OperationCanceledException>(() => Load(folder, stopAfter: 8));

        var continued = Load(folder);
        Assert.Equal(6, continued.Steps[0]); // after the checkpoint of step 5, not from step 1
        Assert.Equal(straight.Weights, continued.Weights);

        var again = Load(folder);
        Assert.Empty(again.Steps);
        Assert.Equal(straight.Weights, again.Weights);
    }

    private sealed class Reported(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
