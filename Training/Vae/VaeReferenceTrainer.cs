using System.Diagnostics;
using DistGen.Training.Core;
using DistGen.Training.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Vae;

/// <summary>
/// Single-process VAE on 28x28 images: seeded epoch order, Adam on the mean negative ELBO, test negative ELBO in nats.
/// Workers of a data-parallel run call the same <see cref="VaeSteps.Gradients"/> on their rows of each global batch.
/// </summary>
public sealed class VaeReferenceTrainer(VaeModelOptions model, VaeTrainingOptions training, string dataName, ImageDataset train, ImageDataset test) : IReferenceTrainer
{
    public const int PixelCount = 28 * 28;

    public static VariationalAutoencoder BuildModel(VaeModelOptions model, long seed)
    {
        return Seeding.Build(seed, () => new VariationalAutoencoder(PixelCount, model.HiddenSize, model.LatentSize));
    }

    /// <summary>The training items of the run, and the epoch sampler every process derives from the seed.</summary>
    public static EpochSampler Sampler(int trainCount, long seed) =>
        new(Enumerable.Range(0, trainCount).ToArray(), Seeding.Derive(seed, "vae-order"));

    public static Tensor Flat(ImageDataset images, int[] indices) => images.Batch(indices, flatten: true);

    public TrainingSummary Run(RunContext ctx)
    {
        var clock = Stopwatch.StartNew();
        int trainCount = training.TrainLimit > 0 ? Math.Min(training.TrainLimit, train.Count) : train.Count;
        int testCount = training.TestLimit > 0 ? Math.Min(training.TestLimit, test.Count) : test.Count;
        var vae = BuildModel(model, ctx.Seed);
        vae.to(ctx.Device);
        var optimizer = optim.Adam(vae.parameters(), training.LearningRate);
        var sampler = Sampler(trainCount, ctx.Seed);
        double TestElbo() => VaeSteps.Evaluate(vae, indices => Flat(test, indices), testCount, ctx.Seed, ctx.Device);

        using var metrics = new MetricsLog(ctx.PathOf("metrics.csv"));
        double initialTest = TestElbo(), testNegElbo = initialTest;
        (double Loss, double Reconstruction, double Kl) last = default;
        for (int step = 1; step <= training.Steps; step++)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var x = Flat(train, sampler.Next(training.BatchSize)).to(ctx.Device);
            var eps = VaeSteps.Noise(ctx.Seed, step, training.BatchSize, model.LatentSize).to(ctx.Device);
            last = VaeSteps.Gradients(vae, x, eps);
            optimizer.step();

            if (step % training.EvalEvery == 0 || step == training.Steps) testNegElbo = TestElbo();
            if (step % training.LogEvery == 0 || step == training.Steps)
            {
                var row = new Dictionary<string, double>
                {
                    ["train_neg_elbo"] = last.Loss,
                    ["reconstruction"] = last.Reconstruction,
                    ["kl"] = last.Kl,
                    ["test_neg_elbo"] = testNegElbo,
                    ["samples_per_s"] = (double)step * training.BatchSize / clock.Elapsed.TotalSeconds,
                };
                metrics.Log(step, row);
                ctx.Progress?.Report(new TrainingProgress(step, training.Steps, row));
            }
        }

        LossPlot.Save(ctx.PathOf("loss.png"), $"VAE on {dataName} (nats per image)", metrics, "train_neg_elbo", "test_neg_elbo", "reconstruction", "kl");
        SaveSamples(vae, ctx);
        Checkpoint.Save(ctx.PathOf("checkpoint.bin"), new Dictionary<string, nn.Module> { ["vae"] = vae },
            new Dictionary<string, OptimizerHelper> { ["vae"] = optimizer }, new Dictionary<string, ulong> { ["step"] = (ulong)training.Steps });
        var summary = new TrainingSummary
        {
            Workload = "vae",
            Steps = training.Steps,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Figures = new Dictionary<string, double>
            {
                ["test_neg_elbo_nats"] = testNegElbo,
                ["initial_test_neg_elbo_nats"] = initialTest,
                ["train_neg_elbo_nats"] = last.Loss,
                ["test_images"] = testCount,
            },
        };
        summary.Write(ctx.PathOf("summary.json"));
        return summary;
    }

    // samples.png: 2 rows of test images, 2 rows of their reconstructions (at the posterior mean), 4 rows of prior samples.
    private void SaveSamples(VariationalAutoencoder vae, RunContext ctx)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var originals = Flat(test, Enumerable.Range(0, 16).ToArray()).to(ctx.Device);
        var reconstructions = vae.Decode(vae.Encode(originals).Mu).sigmoid();
        using var generator = Seeding.NewGenerator(ctx.Seed, "vae-samples");
        var z = randn(new long[] { 32, model.LatentSize }, generator: generator).to(ctx.Device);
        var samples = vae.Decode(z).sigmoid();
        var grid = cat(new[] { originals, reconstructions, samples }).view(-1, 1, 28, 28);
        ImageGrid.Save(ctx.PathOf("samples.png"), grid, columns: 8);
    }
}
