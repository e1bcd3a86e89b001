using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.DataParallel;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Vae;

/// <summary>The VAE run's owner of the model: Adam, the test negative ELBO, metrics.csv, loss.png, samples.png, checkpoint, the final likelihood estimate, summary.</summary>
public sealed class VaeLearner : IDataParallelLearner
{
    private readonly VariationalAutoencoder _vae;
    private readonly VaeModelOptions _model;
    private readonly VaeTrainingOptions _training;
    private readonly RunContext _ctx;
    private readonly string _dataName;
    private readonly ImageDataset _test;
    private readonly int _testCount;
    private readonly AdamOptimizer _optimizer;
    private readonly MetricsLog _metrics;
    private readonly LearnerCheckpoint _checkpoint;
    private readonly double _initialTest;
    private readonly string _workload;
    private readonly IVaeReport? _report;
    private double _testNegElbo;
    private double _lastTrain;

    public VaeLearner(VariationalAutoencoder vae, VaeModelOptions model, VaeTrainingOptions training, RunContext ctx,
        string dataName, ImageDataset test, int testCount, string workload = "vae", IVaeReport? report = null)
    {
        (_vae, _model, _training, _ctx, _dataName, _test, _testCount, _workload, _report) = (vae, model, training, ctx, dataName, test, testCount, workload, report);
        _optimizer = AdamOptimizer.Adam(vae.parameters(), training.LearningRate);
        _metrics = new MetricsLog(ctx);
        _checkpoint = new LearnerCheckpoint(ctx, _metrics, new Dictionary<string, nn.Module> { ["vae"] = vae }, new Dictionary<string, AdamOptimizer> { ["vae"] = _optimizer });
        _initialTest = _testNegElbo = TestNegativeElbo();
    }

    public double TestNegativeElbo() =>
        VaeSteps.Evaluate(_vae, indices => VaeWorkload.Flat(_test, indices), _testCount, _ctx.Seed, _ctx.Device);

    public void Apply(long round) => _optimizer.Step();

    public IReadOnlyDictionary<string, double> EndRound(long round, IReadOnlyDictionary<string, double> rowMetrics, double samplesPerSecond)
    {
        _lastTrain = rowMetrics["train_neg_elbo"];
        bool evaluate = round % _training.EvalEvery == 0 || round == _training.Steps;
        if (evaluate) _testNegElbo = TestNegativeElbo();
        var row = new Dictionary<string, double>
        {
            ["train_neg_elbo"] = rowMetrics["train_neg_elbo"],
            ["reconstruction"] = rowMetrics["reconstruction"],
            ["kl"] = rowMetrics["kl"],
            // NaN where the test set was not evaluated this round, so metrics.csv and loss.png show only measured values.
            ["test_neg_elbo"] = evaluate ? _testNegElbo : double.NaN,
            ["samples_per_s"] = samplesPerSecond,
        };
        if (evaluate || round % _training.LogEvery == 0)
        {
            _metrics.Log(round, row);
            _ctx.Progress?.Report(new TrainingProgress(round, _training.Steps, row));
        }
        return row;
    }

    public TrainingSummary Finish(double wallSeconds)
    {
        _ctx.WriteArtifact("loss.png", path =>
            LossPlot.Save(path, $"VAE on {_dataName} (nats per image)", _metrics, "train_neg_elbo", "test_neg_elbo", "reconstruction", "kl"));
        SaveSamples();
        var figures = new Dictionary<string, double>
        {
            ["test_neg_elbo_nats"] = _testNegElbo,
            ["initial_test_neg_elbo_nats"] = _initialTest,
            ["train_neg_elbo_nats"] = _lastTrain,
            ["test_images"] = _testCount,
        };
        var definitions = new Dictionary<string, string> { ["test_neg_elbo_nats"] = NegElboDefinition };
        if (TestLikelihood() is { } likelihood)
        {
            figures["test_nll_iw_nats"] = likelihood.NegLogLikelihood;
            figures["test_neg_elbo_binarized_nats"] = likelihood.NegElbo;
            figures["likelihood_images"] = likelihood.Images;
            figures["likelihood_samples"] = likelihood.Samples;
            definitions["test_nll_iw_nats"] = ImportanceWeightedDefinition(likelihood, _dataName);
            definitions["test_neg_elbo_binarized_nats"] = BinarizedNegElboDefinition(likelihood);
        }
        _report?.Write(_vae, _ctx, figures, definitions);
        return _checkpoint.Finish(_training.Steps, new TrainingSummary
        {
            Workload = _workload,
            Steps = _training.Steps,
            WallSeconds = wallSeconds,
            Figures = figures,
            Definitions = definitions,
        });
    }

    // The likelihood figure of the trained model on the first N test images, binarized once with the fixed test-set seed.
    private ImportanceWeightedEstimate? TestLikelihood()
    {
        int images = Math.Min(_training.LikelihoodImages, _testCount);
        if (images == 0) return null;
        using var scope = NewDisposeScope();
        var binary = DynamicBinarization.Sample(VaeWorkload.Flat(_test, Enumerable.Range(0, images).ToArray()), firstIndex: 0);
        return ImportanceWeightedNll.Estimate(_vae, binary, _training.LikelihoodSamples, _ctx.Seed);
    }

    /// <summary>What the VAE's test figure is, written beside it in summary.json (the README says the same).</summary>
    public const string NegElboDefinition =
        "negative ELBO per test image in nats: Bernoulli cross-entropy of the decoder on grey-level pixels in [0,1] (not binarized) " +
        "plus the KL to the prior, one posterior sample; its floor is the pixels' own entropy (189.86 nats on the Fashion-MNIST test set), " +
        "so it is not comparable with published NLLs on binarized MNIST (about 85-90 nats); test_nll_iw_nats, where present, is the likelihood figure on binarized test images";

    /// <summary>What test_nll_iw_nats is, written beside it in summary.json.</summary>
    public static string ImportanceWeightedDefinition(ImportanceWeightedEstimate e, string dataName) =>
        $"importance-weighted estimate (Burda et al. 2016) of -log p(x) in nats per image, k = {e.Samples} samples of q(z|x) per image: " +
        "-(logsumexp_j log w_j - log k), log w_j = log p(x|z_j) + log p(z_j) - log q(z_j|x), an upper bound on -log p(x) in expectation; " +
        $"mean over the first {e.Images} {dataName} test images, dynamically binarized once (pixel = 1 with probability its grey level, " +
        $"seed {DynamicBinarization.TestSetSeed}, stream binarized-test:<image index>, the same binary images in every run). " +
        "The model was trained on grey-level targets with Bernoulli cross-entropy, which for the decoder equals training on dynamically " +
        "binarized targets in expectation, but its encoder saw grey-level inputs, never binary ones. The kind of figure published for " +
        "VAEs on binarized MNIST (about 85-90 nats, k = 5,000, far longer training)";

    /// <summary>What test_neg_elbo_binarized_nats is, written beside it in summary.json.</summary>
    public static string BinarizedNegElboDefinition(ImportanceWeightedEstimate e) =>
        $"negative ELBO per image in nats on the same binarized test images as test_nll_iw_nats, averaged over the same k = {e.Samples} " +
        "samples: -(1/k) sum_j log w_j (KL by sampling); test_nll_iw_nats is at most this";

    public void SaveCheckpoint(long round) => _checkpoint.Save(round);

    public long Resume()
    {
        if (_checkpoint.Resume() is not { Round: var round }) return 0;
        // The figures carried between rounds come back from the rows logged up to the checkpoint.
        var lastTest = _metrics.LastFinite("test_neg_elbo");
        if (double.IsFinite(lastTest)) _testNegElbo = lastTest;
        _lastTrain = _metrics.LastFinite("train_neg_elbo");
        return round;
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _optimizer.Dispose();
    }

    // samples.png: 2 rows of test images, 2 rows of their reconstructions (at the posterior mean), 4 rows of prior samples.
    private void SaveSamples()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // A test set smaller than two rows (an anomaly detector's few normal test images) shows what it has.
        var originals = VaeWorkload.Flat(_test, Enumerable.Range(0, Math.Min(16, _test.Count)).ToArray()).to(_ctx.Device);
        var reconstructions = _vae.Decode(_vae.Encode(originals).Mu).sigmoid();
        using var generator = Seeding.NewGenerator(_ctx.Seed, "vae-samples");
        var z = randn(new long[] { 32, _model.LatentSize }, generator: generator).to(_ctx.Device);
        var samples = _vae.Decode(z).sigmoid();
        var grid = cat(new[] { originals, reconstructions, samples }).view(-1, 1, 28, 28);
        _ctx.WriteArtifact("samples.png", path => ImageGrid.Save(path, grid, columns: 8));
    }
}
