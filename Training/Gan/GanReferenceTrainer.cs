using System.Diagnostics;
using DistGen.Training.Core;
using DistGen.Training.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>
/// Single-process GAN (Goodfellow et al. 2014) on 2-D mixtures or 28x28 images: k discriminator steps (with the R1
/// penalty on real data when training.r1Gamma > 0), then one generator step, each with its own Adam. The split step
/// functions of <see cref="GanSteps"/> do the math.
/// </summary>
public sealed class GanReferenceTrainer(GanModelOptions model, GanTrainingOptions training, IGanData data) : IReferenceTrainer
{
    /// <summary>Builds the generator and discriminator that suit the data, seeded, on the CPU.</summary>
    public static (nn.Module<Tensor, Tensor> Generator, nn.Module<Tensor, Tensor> Discriminator) BuildNetworks(
        GanModelOptions model, bool images, long seed)
    {
        return Seeding.Build(seed, () =>
        {
            nn.Module<Tensor, Tensor> generator = images
                ? new ConvGenerator(model.LatentSize, model.Channels)
                : new MlpGenerator(model.LatentSize, model.HiddenSize, model.Layers);
            nn.Module<Tensor, Tensor> discriminator = images
                ? new ConvDiscriminator(model.Channels, model.Pack)
                : new MlpDiscriminator(2, model.HiddenSize, model.Layers, model.Pack);
            return (generator, discriminator);
        });
    }

    public static Adam Optimizer(nn.Module module, double learningRate, GanTrainingOptions training) =>
        optim.Adam(module.parameters(), learningRate, training.Beta1, training.Beta2);

    /// <summary>The learning-rate schedule of one network, stepped once per generator step; null when constant.</summary>
    public static optim.lr_scheduler.LRScheduler? Schedule(optim.Optimizer optimizer, GanTrainingOptions training) =>
        training.Schedule == "linear" ? optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.0, training.Steps) : null;

    public TrainingSummary Run(RunContext ctx)
    {
        var clock = Stopwatch.StartNew();
        var (generator, discriminator) = BuildNetworks(model, data.IsImage, ctx.Seed);
        generator.to(ctx.Device);
        discriminator.to(ctx.Device);
        var generatorOptimizer = Optimizer(generator, training.GeneratorLearningRate, training);
        var discriminatorOptimizer = Optimizer(discriminator, training.DiscriminatorLearningRate, training);
        var lossKind = GanLoss.ParseKind(training.GeneratorLoss);
        var generatorSchedule = Schedule(generatorOptimizer, training);
        var discriminatorSchedule = Schedule(discriminatorOptimizer, training);

        // Private generators: the run's noise does not depend on what other threads of the process draw.
        using var latentRandom = Seeding.NewGenerator(ctx.Seed, "gan-latent");
        using var evaluationRandom = Seeding.NewGenerator(ctx.Seed, "gan-evaluation");
        Tensor Latent(int n, Generator random) => randn(new long[] { n, model.LatentSize }, generator: random).to(ctx.Device);
        // A fixed latent batch makes the sample pictures of different steps (and runs) comparable.
        using var fixedRandom = Seeding.NewGenerator(ctx.Seed, "gan-fixed-latent");
        using var fixedLatent = Latent(data.IsImage ? 64 : GaussianMixture2D.EvaluationSampleCount, fixedRandom);
        Tensor Generate(int n)
        {
            using var noGrad = no_grad();
            using var z = Latent(n, evaluationRandom);
            return generator.forward(z).cpu();
        }

        using var metrics = new MetricsLog(ctx.PathOf("metrics.csv"));
        IReadOnlyDictionary<string, double> quality = new Dictionary<string, double>();
        double dLoss = 0, gLoss = 0;
        long samplesSeen = 0;
        for (int step = 1; step <= training.Steps; step++)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();

            // Discriminator: k steps on real vs. detached fakes.
            for (int k = 0; k < training.DiscriminatorSteps; k++)
            {
                discriminatorOptimizer.zero_grad();
                var real = data.RealBatch(training.BatchSize).to(ctx.Device);
                Tensor fake;
                using (no_grad()) fake = generator.forward(Latent(training.BatchSize, latentRandom));
                dLoss = GanSteps.DiscriminatorGradients(discriminator, real, fake, training.R1Gamma);
                discriminatorOptimizer.step();
                samplesSeen += training.BatchSize;
            }

            // Generator: D gives dL_G/dFake, G backpropagates it through its own graph.
            generatorOptimizer.zero_grad();
            var fakes = generator.forward(Latent(training.BatchSize, latentRandom));
            (gLoss, var gradientWrtFakes) = GanSteps.GeneratorLossGradient(discriminator, fakes, lossKind);
            GanSteps.GeneratorBackward(fakes, gradientWrtFakes);
            generatorOptimizer.step();
            generatorSchedule?.step();
            discriminatorSchedule?.step();

            bool evaluate = step % training.EvalEvery == 0 || step == training.Steps;
            if (evaluate)
            {
                quality = data.Evaluate(Generate);
                using var noGrad = no_grad();
                using var samples = generator.forward(fixedLatent).cpu();
                data.SaveSamples(ctx.PathOf("samples.png"), samples);
            }
            if (evaluate || step % training.LogEvery == 0)
            {
                var row = new Dictionary<string, double>
                {
                    ["d_loss"] = dLoss,
                    ["g_loss"] = gLoss,
                    ["samples_per_s"] = samplesSeen / clock.Elapsed.TotalSeconds,
                };
                // Quality is measured only at evaluation steps; other rows carry NaN rather than a stale value.
                if (evaluate) foreach (var (name, value) in quality) row[name] = value;
                metrics.Log(step, WithQualityColumns(row));
                ctx.Progress?.Report(new TrainingProgress(step, training.Steps, row));
            }
        }

        LossPlot.Save(ctx.PathOf("loss.png"), $"GAN on {data.Name}", metrics, "d_loss", "g_loss");
        Checkpoint.Save(ctx.PathOf("checkpoint.bin"),
            new Dictionary<string, nn.Module> { ["generator"] = generator, ["discriminator"] = discriminator },
            new Dictionary<string, OptimizerHelper> { ["generator"] = generatorOptimizer, ["discriminator"] = discriminatorOptimizer },
            new Dictionary<string, ulong> { ["step"] = (ulong)training.Steps },
            new Dictionary<string, Generator> { ["latent"] = latentRandom, ["evaluation"] = evaluationRandom });
        var summary = new TrainingSummary
        {
            Workload = "gan",
            Steps = training.Steps,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Figures = new Dictionary<string, double>(quality) { ["d_loss"] = dLoss, ["g_loss"] = gLoss },
        };
        summary.Write(ctx.PathOf("summary.json"));
        return summary;
    }

    // Quality columns exist in every row (NaN where not evaluated), so metrics.csv keeps one header.
    private IReadOnlyDictionary<string, double> WithQualityColumns(Dictionary<string, double> row)
    {
        foreach (var name in data.QualityFigures)
            row.TryAdd(name, double.NaN);
        return row;
    }
}
