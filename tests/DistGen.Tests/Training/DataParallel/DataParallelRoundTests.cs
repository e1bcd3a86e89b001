using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.DataParallel;
using DistGen.Training.Language;
using DistGen.Training.Specs;
using DistGen.Training.Vae;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.DataParallel;

/// <summary>
/// The decomposition the cluster relies on, in one process: W replicas compute their rows, the mean of their gradients
/// is applied by the learner, and after N rounds the model equals the reference trainer's with batch W*b.
/// </summary>
public sealed class DataParallelRoundTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-dp-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static float[] RunWorkers(IDataParallelWorkload workload, string folder, long seed)
    {
        var model = workload.CreateReplica();
        var replicas = Enumerable.Range(0, workload.Workers).Select(_ => workload.CreateReplica()).ToArray();
        var shards = Enumerable.Range(0, workload.Workers).Select(workload.CreateShardOrder).ToArray();
        using var learner = workload.CreateLearner(model, RunContext.OnCpu(folder, seed));
        for (long round = 1; round <= workload.Rounds; round++)
        {
            var parameters = ParameterVector.Flatten(model.parameters());
            var average = new GradientAverage(parameters.Length);
            var metrics = new List<IReadOnlyDictionary<string, double>>();
            for (int w = 0; w < workload.Workers; w++)
            {
                ParameterVector.Assign(replicas[w].parameters(), parameters);
                metrics.Add(workload.ComputeGradients(replicas[w], round, w * workload.RowsPerWorker, shards[w].Next()));
                average.Add(ParameterVector.FlattenGradients(replicas[w].parameters()));
            }
            ParameterVector.AssignGradients(model.parameters(), average.Mean());
            learner.Apply(round);
            learner.EndRound(round, metrics[0].Keys.ToDictionary(k => k, k => metrics.Average(m => m[k])), 0);
        }
        learner.Finish(0);
        return ParameterVector.Flatten(model.parameters());
    }

    private float[] RunReference(IDataParallelWorkload workload, long seed)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "reference")).FullName;
        new DataParallelReferenceTrainer(workload).Run(RunContext.OnCpu(folder, seed));
        var model = workload.CreateReplica();
        Checkpoint.LoadModules(Path.Combine(folder, "checkpoint.bin"),
            new Dictionary<string, nn.Module> { [workload is VaeWorkload ? "vae" : "model"] = model });
        return ParameterVector.Flatten(model.parameters());
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(max <= tolerance, $"max |difference| {max:E3} > {tolerance:E1}");
    }

    [Fact]
    public void Vae_with_4_workers_of_batch_8_equals_the_reference_with_batch_32()
    {
        var (train, test) = WorkloadCatalog.ImageSplits(FashionMnist.DatasetName);
        var model = new VaeModelOptions { HiddenSize = 64, LatentSize = 8 };
        var training = new VaeTrainingOptions { Steps = 20, BatchSize = 32, TrainLimit = 2_000, TestLimit = 200, LogEvery = 5, EvalEvery = 20 };
        var workload = new VaeWorkload(model, training, workers: 4, seed: 3, "fashion-mnist", train, test);

        var reference = RunReference(workload, seed: 3);
        var workers = RunWorkers(workload, Directory.CreateDirectory(Path.Combine(_folder, "workers")).FullName, seed: 3);

        AssertClose(reference, workers, 1e-5);
    }

    [Fact]
    public void Char_lm_with_2_workers_equals_the_reference_with_the_combined_batch()
    {
        var tokens = new CorpusTokenStream(string.Concat(Enumerable.Repeat("in the beginning god created the heaven and the earth\n", 60)));
        var model = new CharLmModelOptions { ContextLength = 16, ModelDimension = 32, Heads = 2, Layers = 1 };
        var training = new CharLmTrainingOptions { Steps = 12, BatchSize = 8, EvalInterval = 6, EvalBatches = 2, SamplePrompt = "in ", SampleLength = 8, SampleCount = 1 };
        var workload = new CharLmWorkload(model, training, tokens, workers: 2, seed: 5);

        var reference = RunReference(workload, seed: 5);
        var workers = RunWorkers(workload, Directory.CreateDirectory(Path.Combine(_folder, "workers")).FullName, seed: 5);

        AssertClose(reference, workers, 1e-5);
    }

    [Fact]
    public void A_run_stopped_after_round_6_has_the_checkpoint_of_round_4_when_checkpointing_every_4_rounds()
    {
        var (train, test) = WorkloadCatalog.ImageSplits(FashionMnist.DatasetName);
        var model = new VaeModelOptions { HiddenSize = 32, LatentSize = 4 };
        var training = new VaeTrainingOptions { Steps = 10, BatchSize = 16, TrainLimit = 500, TestLimit = 100, LogEvery = 1 };
        var workload = new VaeWorkload(model, training, workers: 1, seed: 2, "fashion-mnist", train, test, checkpointEvery: 4);
        using var stop = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.Step == 6) stop.Cancel(); });

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new DataParallelReferenceTrainer(workload).Run(new RunContext(_folder, 2, CPU, progress, stop.Token)));

        var vae = workload.CreateReplica();
        var counters = Checkpoint.Load(Path.Combine(_folder, "checkpoint.bin"), new Dictionary<string, nn.Module> { ["vae"] = vae },
            new Dictionary<string, TorchSharp.Modules.OptimizerHelper> { ["vae"] = optim.Adam(vae.parameters()) });
        Assert.Equal(4UL, counters["step"]);
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
