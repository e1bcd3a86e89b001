using DistGen.Training.Core;
using DistGen.Training.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>
/// The GAN run's owner of both networks between substeps (the coordinator of a split GAN, or the reference trainer):
/// one Adam per network at the scheduled rate, evaluation every evalEvery rounds and at the end, metrics.csv, loss.png
/// with the D and G losses, samples.png from a fixed latent batch, checkpoint.bin (with <see cref="Resume"/>) and
/// summary.json.
/// </summary>
public sealed class SplitGanLearner : IDisposable
{
    private readonly SplitGanWorkload _workload;
    private readonly nn.Module<Tensor, Tensor> _generator;
    private readonly nn.Module<Tensor, Tensor> _discriminator;
    private readonly RunContext _ctx;
    private readonly AdamOptimizer _generatorOptimizer;
    private readonly AdamOptimizer _discriminatorOptimizer;
    private readonly MetricsLog _metrics;
    private readonly LearnerCheckpoint _checkpoint;
    private IReadOnlyDictionary<string, double> _quality = new Dictionary<string, double>();
    private double _dLoss = double.NaN, _gLoss = double.NaN;

    public SplitGanLearner(SplitGanWorkload workload, nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> discriminator, RunContext ctx)
    {
        (_workload, _generator, _discriminator, _ctx) = (workload, generator, discriminator, ctx);
        var training = workload.Training;
        _generatorOptimizer = AdamOptimizer.Adam(generator.parameters(), training.GeneratorLearningRate, training.Beta1, training.Beta2);
        _discriminatorOptimizer = AdamOptimizer.Adam(discriminator.parameters(), training.DiscriminatorLearningRate, training.Beta1, training.Beta2);
        _metrics = new MetricsLog(ctx);
        _checkpoint = new LearnerCheckpoint(ctx, _metrics,
            new Dictionary<string, nn.Module> { ["generator"] = generator, ["discriminator"] = discriminator },
            new Dictionary<string, AdamOptimizer> { ["generator"] = _generatorOptimizer, ["discriminator"] = _discriminatorOptimizer });
    }

    private GanTrainingOptions Training => _workload.Training;

    /// <summary>
    /// The learning-rate factor of round <paramref name="round"/> (both networks): "linear" decays from 1 towards 0 over
    /// the run, lr_r = lr · (1 - (r - 1) / steps), as torch's LinearLR(1, 0, steps) stepped once per generator step.
    /// </summary>
    public double RateFactor(long round) => Training.Schedule == "linear" ? 1.0 - (double)(round - 1) / Training.Steps : 1.0;

    /// <summary>Steps D's Adam with the gradients already in D (the mean over the substep's batch).</summary>
    public void ApplyDiscriminator(long round) => Step(_discriminatorOptimizer, Training.DiscriminatorLearningRate * RateFactor(round));

    /// <summary>Steps G's Adam with the gradients already in G (the mean over the generator step's batch).</summary>
    public void ApplyGenerator(long round) => Step(_generatorOptimizer, Training.GeneratorLearningRate * RateFactor(round));

    /// <summary>Logs (every logEvery rounds), evaluates (every evalEvery and at the end) and returns the round's row.</summary>
    public IReadOnlyDictionary<string, double> EndRound(long round, double dLoss, double gLoss, double samplesPerSecond)
    {
        (_dLoss, _gLoss) = (dLoss, gLoss);
        bool evaluate = round % Training.EvalEvery == 0 || round == Training.Steps;
        if (evaluate) Evaluate(round);
        var row = new Dictionary<string, double> { ["d_loss"] = dLoss, ["g_loss"] = gLoss, ["samples_per_s"] = samplesPerSecond };
        // Quality exists in every row (one metrics.csv header), NaN where it was not measured this round.
        foreach (var name in _workload.Data.QualityFigures)
            row[name] = evaluate && _quality.TryGetValue(name, out var value) ? value : double.NaN;
        if (evaluate || round % Training.LogEvery == 0)
        {
            _metrics.Log(round, row);
            _ctx.Progress?.Report(new TrainingProgress(round, Training.Steps, row));
        }
        return row;
    }

    public void SaveCheckpoint(long round) => _checkpoint.Save(round);

    /// <summary>
    /// Continues from checkpoint.bin in the run folder, if there is one: both networks, both Adams and the metrics up
    /// to its round, which it returns (0 without a checkpoint). Noise and real rows are functions of the round, so
    /// nothing else is needed to continue exactly.
    /// </summary>
    public long Resume()
    {
        if (_checkpoint.Resume() is not { Round: var round }) return 0;
        _quality = _workload.Data.QualityFigures.ToDictionary(name => name, _metrics.LastFinite);
        (_dLoss, _gLoss) = (_metrics.LastFinite("d_loss"), _metrics.LastFinite("g_loss"));
        return round;
    }

    public TrainingSummary Finish(double wallSeconds)
    {
        _ctx.WriteArtifact("loss.png", path => LossPlot.Save(path, $"GAN on {_workload.Data.Name}", _metrics, "d_loss", "g_loss"));
        var figures = _quality.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);
        figures["d_loss"] = _dLoss;
        figures["g_loss"] = _gLoss;
        return _checkpoint.Finish(Training.Steps, new TrainingSummary { Workload = "gan", Steps = Training.Steps, WallSeconds = wallSeconds, Figures = figures });
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _generatorOptimizer.Dispose();
        _discriminatorOptimizer.Dispose();
    }

    private static void Step(AdamOptimizer optimizer, double learningRate)
    {
        optimizer.LearningRate = learningRate;
        optimizer.Step();
    }

    // Quality from fresh noise of this round; samples.png from the fixed latent batch, so pictures of rounds and runs compare.
    private void Evaluate(long round)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var random = GanBatch.EvaluationRandom(_workload.Seed, round);
        var device = _generator.parameters().First().device;
        _quality = _workload.Data.Evaluate(n =>
        {
            using var z = randn(new long[] { n, _workload.Model.LatentSize }, generator: random);
            using var onDevice = z.to(device);
            return _generator.forward(onDevice).cpu();
        });
        using var fixedRandom = Seeding.NewGenerator(_workload.Seed, "gan-fixed-latent");
        using var fixedLatent = randn(new long[] { _workload.Data.IsImage ? 64 : GaussianMixture2D.EvaluationSampleCount, _workload.Model.LatentSize },
            generator: fixedRandom);
        using var onDeviceLatent = fixedLatent.to(device);
        using var samples = _generator.forward(onDeviceLatent).cpu();
        _ctx.WriteArtifact("samples.png", path => _workload.Data.SaveSamples(path, samples));
    }
}
