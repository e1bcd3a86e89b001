using DistGen.Training.Core;
using DistGen.Training.Language;
using DistGen.Training.Specs;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.TorchSafety;

/// <summary>
/// Every learner's steps (gradients, optimizer, evaluation, checkpoints) run for a few seconds while another thread
/// forces garbage collections; not one native error may come out. Before the training path kept its Scalars alive
/// (Training/Core/Scalars.cs) these runs failed with "Unknown scalar type" within seconds. DISTGEN_STRESS_SECONDS
/// sets how long each runs (default 3).
/// </summary>
public sealed class GcPressureTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("DISTGEN_STRESS_SECONDS"), out var seconds) ? seconds : 3);

    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-gc-pressure-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Each spec runs longer than the stress lasts, with frequent logging, evaluation and checkpoints, so every part of
    // the learner (not just the gradient step) runs under pressure.
    public static TheoryData<string, string> Specs => new()
    {
        { "vae", """
            { "apiVersion": "distgen/v1", "name": "gc-vae", "workload": "vae", "seed": 1, "data": { "name": "fashion-mnist" },
              "model": { "hiddenSize": 64, "latentSize": 8 },
              "training": { "steps": 1000000, "batchSize": 32, "trainLimit": 2000, "testLimit": 200, "logEvery": 5, "evalEvery": 50 },
              "cluster": { "workers": 2, "checkpointEvery": 40 } }
            """ },
        { "char-lm", """
            { "apiVersion": "distgen/v1", "name": "gc-lm", "workload": "char-lm", "seed": 1, "data": { "name": "kjv" },
              "model": { "contextLength": 16, "modelDimension": 32, "heads": 2, "layers": 2 },
              "training": { "steps": 1000000, "batchSize": 8, "warmupSteps": 5, "evalInterval": 10, "evalBatches": 2, "sampleLength": 20 },
              "cluster": { "workers": 2, "checkpointEvery": 40 } }
            """ },
        { "gan-ring", """
            { "apiVersion": "distgen/v1", "name": "gc-gan", "workload": "gan", "seed": 1, "data": { "name": "ring8" },
              "model": { "hiddenSize": 32, "layers": 2, "pack": 2 },
              "training": { "steps": 1000000, "batchSize": 64, "discriminatorSteps": 2, "r1Gamma": 0.1, "logEvery": 10, "evalEvery": 100 },
              "cluster": { "workers": 2, "checkpointEvery": 50 } }
            """ },
        { "gan-images", """
            { "apiVersion": "distgen/v1", "name": "gc-gan-images", "workload": "gan", "seed": 1, "data": { "name": "fashion-mnist" },
              "model": { "latentSize": 8, "channels": 8 },
              "training": { "steps": 1000000, "batchSize": 8, "r1Gamma": 0.1, "logEvery": 5, "evalEvery": 20 },
              "cluster": { "workers": 1, "checkpointEvery": 15 } }
            """ },
        { "ppo", """
            { "apiVersion": "distgen/v1", "name": "gc-ppo", "workload": "ppo", "seed": 1, "data": { "name": "cartpole" },
              "training": { "totalEnvSteps": 100000000, "envs": 4, "rolloutSteps": 32, "minibatchSize": 32, "epochs": 2, "valueClip": 0.5, "entropyCoefficient": 0.01 },
              "cluster": { "workers": 2 } }
            """ },
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public async Task Reference_trainer_runs_under_forced_collections_without_a_native_error(string workload, string spec)
    {
        var job = SpecLoader.Parse(spec);
        var trainer = job.Workload.CreateReferenceTrainer(job);
        using var stop = new CancellationTokenSource();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long collections;
        int rows;
        using (var pressure = new CollectionPressure())
        {
            var training = Task.Run(() => trainer.Run(new RunContext(_folder, job.Spec.Seed, CPU, Cancellation: stop.Token)));
            // At least the stress duration and at least 3 logged rows (a loaded machine trains slower), at most 2 minutes.
            while (!training.IsCompleted && (clock.Elapsed < Duration || MetricsRows() < 3) && clock.Elapsed < TimeSpan.FromMinutes(2))
                await Task.Delay(100);
            await stop.CancelAsync();
            // Ends only by cancellation: any other exception is a native error that the pressure brought out.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => training);
            (collections, rows) = (pressure.Collections, MetricsRows());
        }
        output.WriteLine($"{workload}: {rows} metrics rows, {collections} forced collections in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(rows >= 3, $"{workload} logged only {rows} metrics rows in {clock.Elapsed.TotalSeconds:F0} s: it did not really train under pressure");
        Assert.True(collections >= 10, $"only {collections} collections were forced");
    }

    private int MetricsRows()
    {
        var path = Path.Combine(_folder, "metrics.csv");
        if (!File.Exists(path)) return 0;
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        int lines = 0;
        while (reader.ReadLine() is not null) lines++;
        return Math.Max(0, lines - 1);
    }

    [Fact]
    public void Adam_and_AdamW_steps_run_under_forced_collections_without_a_native_error()
    {
        var module = Seeding.Build(1, () => nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 4)));
        using var adam = AdamOptimizer.Adam(module.parameters(), 1e-3);
        using var adamW = AdamWUpdate.Create(module, 1e-3, 0.9, 0.99, 0.1);
        using var random = new Generator(2);
        long steps = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (new CollectionPressure())
        {
            while (clock.Elapsed < Duration)
            {
                using var scope = NewDisposeScope();
                adam.ZeroGrad();
                module.forward(randn(new long[] { 8, 16 }, generator: random)).sum().backward();
                adam.LearningRate = 1e-3 / (1 + steps % 7);
                adam.Step();
                AdamWUpdate.Apply(module, adamW, 1e-3, maxGradNorm: 1.0);
                steps++;
            }
        }
        output.WriteLine($"{steps} Adam + AdamW steps");
        Assert.True(steps >= 10, $"only {steps} steps ran");
        Assert.All(ParameterVector.Flatten(module.parameters()), v => Assert.True(float.IsFinite(v)));
    }
}
