using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.DataParallel;
using DistGen.Training.Specs;
using DistGen.Training.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Vae;

public sealed class VaeReferenceTrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-vae-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Vae_on_a_fashion_mnist_subset_improves_the_test_elbo_and_detects_noise_as_anomalous()
    {
        var (train, test) = WorkloadCatalog.ImageSplits(FashionMnist.DatasetName);
        var model = new VaeModelOptions { HiddenSize = 256, LatentSize = 16 };
        var training = new VaeTrainingOptions { Steps = 400, BatchSize = 64, TrainLimit = 10_000, TestLimit = 1_000, EvalEvery = 400, LikelihoodImages = 200 };
        var trainer = new DataParallelReferenceTrainer(new VaeWorkload(model, training, workers: 1, seed: 4, "fashion-mnist", train, test));

        var summary = trainer.Run(RunContext.OnCpu(_folder, seed: 4));

        double before = summary.Figures["initial_test_neg_elbo_nats"], after = summary.Figures["test_neg_elbo_nats"];
        // An untrained Bernoulli decoder costs about 784 ln 2 = 543 nats; 400 steps must remove at least 40 % of it.
        Assert.InRange(before, 480, 620);
        Assert.True(after < 0.6 * before, $"test -ELBO {before:F1} -> {after:F1} nats");
        // The likelihood figure on 200 binarized test images: below its own ELBO on the same images and samples, and far
        // below the grey-level figure, whose floor is the grey pixels' entropy.
        double nll = summary.Figures["test_nll_iw_nats"], binarizedElbo = summary.Figures["test_neg_elbo_binarized_nats"];
        Assert.Equal(200, summary.Figures["likelihood_images"]);
        Assert.Equal(1000, summary.Figures["likelihood_samples"]);
        Assert.True(nll < binarizedElbo && binarizedElbo < after, $"IW {nll:F1}, binarized -ELBO {binarizedElbo:F1}, grey -ELBO {after:F1}");
        Assert.Contains("k = 1000", summary.Definitions["test_nll_iw_nats"]);
        Assert.Contains("first 200 fashion-mnist test images", summary.Definitions["test_nll_iw_nats"]);
        foreach (var file in new[] { "metrics.csv", "loss.png", "samples.png", "checkpoint.bin", "summary.json" })
            Assert.True(File.Exists(Path.Combine(_folder, file)), file);

        // The trained model reconstructs clothes far better than uniform noise: AUROC of the anomaly score > 0.99.
        var vae = VaeWorkload.BuildModel(model, seed: 4);
        using var optimizer = AdamOptimizer.Adam(vae.parameters(), 1e-3);
        Checkpoint.Load(Path.Combine(_folder, "checkpoint.bin"), new Dictionary<string, nn.Module> { ["vae"] = vae },
            new Dictionary<string, AdamOptimizer> { ["vae"] = optimizer });
        var normal = ReconstructionAnomalyScore.Score(vae, VaeWorkload.Flat(test, Enumerable.Range(0, 200).ToArray()));
        using var generator = new Generator(9);
        var noise = ReconstructionAnomalyScore.Score(vae, rand(new long[] { 200, 784 }, generator: generator));
        double auroc = DistGen.Training.Anomaly.DetectionMetrics.AreaUnderRoc(
            normal.data<float>().ToArray().Select(v => (double)v).ToList(), noise.data<float>().ToArray().Select(v => (double)v).ToList());
        Assert.True(auroc > 0.99, $"AUROC {auroc}");
    }

    [Fact]
    public void No_likelihood_figure_is_estimated_when_likelihood_images_is_0()
    {
        var (train, test) = WorkloadCatalog.ImageSplits(FashionMnist.DatasetName);
        var model = new VaeModelOptions { HiddenSize = 32, LatentSize = 4 };
        var training = new VaeTrainingOptions { Steps = 2, BatchSize = 16, TrainLimit = 100, TestLimit = 50, LikelihoodImages = 0 };
        var summary = new DataParallelReferenceTrainer(new VaeWorkload(model, training, workers: 1, seed: 4, "fashion-mnist", train, test))
            .Run(RunContext.OnCpu(_folder, seed: 4));
        Assert.False(summary.Figures.ContainsKey("test_nll_iw_nats"));
        Assert.False(summary.Definitions.ContainsKey("test_nll_iw_nats"));
        Assert.True(summary.Figures.ContainsKey("test_neg_elbo_nats"));
    }

    [Fact]
    public void Same_seed_gives_the_same_parameters_after_10_steps()
    {
        var (train, test) = WorkloadCatalog.ImageSplits(FashionMnist.DatasetName);
        var model = new VaeModelOptions { HiddenSize = 32, LatentSize = 4 };
        var training = new VaeTrainingOptions { Steps = 10, BatchSize = 16, TrainLimit = 500, TestLimit = 100, LogEvery = 5 };
        string Run(string name)
        {
            var folder = Directory.CreateDirectory(Path.Combine(_folder, name)).FullName;
            new DataParallelReferenceTrainer(new VaeWorkload(model, training, workers: 2, seed: 8, "fashion-mnist", train, test)).Run(RunContext.OnCpu(folder, seed: 8));
            return Path.Combine(folder, "checkpoint.bin");
        }
        Assert.Equal(File.ReadAllBytes(Run("a")), File.ReadAllBytes(Run("b")));
    }
}
