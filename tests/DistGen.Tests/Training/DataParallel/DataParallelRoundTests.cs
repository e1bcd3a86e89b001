using System.Text.Json;
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
            new Dictionary<string, AdamOptimizer> { ["vae"] = AdamOptimizer.Adam(vae.parameters(), 1e-3) });
        Assert.Equal(4UL, counters["step"]);
    }

    [Fact]
    public void A_vae_run_resumed_from_its_checkpoint_ends_exactly_where_an_uninterrupted_run_ends()
    {
        var (train, test) = WorkloadCatalog.ImageSplits(FashionMnist.DatasetName);
        var model = new VaeModelOptions { HiddenSize = 32, LatentSize = 4 };
        var training = new VaeTrainingOptions { Steps = 12, BatchSize = 16, TrainLimit = 500, TestLimit = 100, LogEvery = 1, EvalEvery = 3 };
        var workload = new VaeWorkload(model, training, workers: 2, seed: 4, "fashion-mnist", train, test, checkpointEvery: 4);

        AssertResumeIsExact(workload, stopAfter: 6, checkpointed: 4, seed: 4);
    }

    [Fact]
    public void A_char_lm_run_resumed_from_its_checkpoint_ends_exactly_where_an_uninterrupted_run_ends()
    {
        var tokens = new CorpusTokenStream(string.Concat(Enumerable.Repeat("and god said let there be light and there was light\n", 60)));
        var model = new CharLmModelOptions { ContextLength = 16, ModelDimension = 32, Heads = 2, Layers = 1 };
        // Checkpoint at 5 falls between evaluations (every 3): the running training-loss mean must survive the resume.
        var training = new CharLmTrainingOptions { Steps = 12, BatchSize = 8, EvalInterval = 3, EvalBatches = 2, SamplePrompt = "and ", SampleLength = 8, SampleCount = 1 };
        var workload = new CharLmWorkload(model, training, tokens, workers: 2, seed: 6, checkpointEvery: 5);

        AssertResumeIsExact(workload, stopAfter: 8, checkpointed: 5, seed: 6);
    }

    private void AssertResumeIsExact(IDataParallelWorkload workload, long stopAfter, long checkpointed, long seed)
    {
        var straight = Directory.CreateDirectory(Path.Combine(_folder, "straight")).FullName;
        var resumed = Directory.CreateDirectory(Path.Combine(_folder, "resumed")).FullName;
        new DataParallelReferenceTrainer(workload).Run(RunContext.OnCpu(straight, seed));

        using (var stop = new CancellationTokenSource())
        {
            var progress = new SynchronousProgress(p => { if (p.Step >= stopAfter) stop.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() =>
                new DataParallelReferenceTrainer(workload).Run(new RunContext(resumed, seed, CPU, progress, stop.Token)));
        }
        var stepsRun = new List<long>();
        new DataParallelReferenceTrainer(workload, resume: true).Run(
            new RunContext(resumed, seed, CPU, new SynchronousProgress(p => stepsRun.Add(p.Step)), CancellationToken.None));
        // It continued after the checkpoint rather than starting over (which would end in the same place too).
        Assert.Equal(checkpointed + 1, stepsRun[0]);

        var modelName = workload is VaeWorkload ? "vae" : "model";
        float[] Final(string folder)
        {
            var replica = workload.CreateReplica();
            Checkpoint.LoadModules(Path.Combine(folder, "checkpoint.bin"), new Dictionary<string, nn.Module> { [modelName] = replica });
            return ParameterVector.Flatten(replica.parameters());
        }
        Assert.Equal(Final(straight), Final(resumed));
        // Rows logged after the checkpoint by the interrupted run are not doubled; the figures carried over are the same.
        Assert.Equal(WithoutThroughput(Path.Combine(straight, "metrics.csv")), WithoutThroughput(Path.Combine(resumed, "metrics.csv")));
        var summaryStraight = JsonDocument.Parse(File.ReadAllText(Path.Combine(straight, "summary.json"))).RootElement.GetProperty("figures");
        var summaryResumed = JsonDocument.Parse(File.ReadAllText(Path.Combine(resumed, "summary.json"))).RootElement.GetProperty("figures");
        foreach (var figure in summaryStraight.EnumerateObject().Where(f => !f.Name.Contains("per_s")))
            Assert.Equal(figure.Value.GetDouble(), summaryResumed.GetProperty(figure.Name).GetDouble());
        if (File.Exists(Path.Combine(straight, "samples.txt")))
            Assert.Equal(File.ReadAllText(Path.Combine(straight, "samples.txt")), File.ReadAllText(Path.Combine(resumed, "samples.txt")));
    }

    // Throughput columns depend on the clock; every other cell must match.
    private static string[] WithoutThroughput(string metricsCsv)
    {
        var lines = File.ReadAllLines(metricsCsv);
        var keep = lines[0].Split(',').Select((name, i) => (name, i)).Where(c => !c.name.Contains("per_s")).Select(c => c.i).ToArray();
        return lines.Select(line => string.Join(',', keep.Select(i => line.Split(',')[i]))).ToArray();
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
