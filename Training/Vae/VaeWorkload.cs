using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.DataParallel;
using static TorchSharp.torch;

namespace DistGen.Training.Vae;

/// <summary>
/// The VAE as a data-parallel workload on 28x28 images: seeded shards of the training images, Adam on the mean
/// negative ELBO, the test negative ELBO in nats as the quality figure. Single process:
/// <c>new DataParallelReferenceTrainer(new VaeWorkload(...))</c>; the cluster runs the same rounds over workers.
/// </summary>
/// <remarks>
/// An anomaly detector is this workload under another <paramref name="name"/>, trained on the normal images only, with a
/// <paramref name="report"/> that scores the test set when the run finishes (Training/Anomaly/OneClassReport.cs).
/// </remarks>
public sealed class VaeWorkload(VaeModelOptions model, VaeTrainingOptions training, int workers, long seed,
    string dataName, ImageDataset train, ImageDataset test, int checkpointEvery = 0, string name = "vae", IVaeReport? report = null) : IDataParallelWorkload
{
    public const int PixelCount = 28 * 28;

    public string Name => name;
    public int Workers => workers;
    public int RowsPerWorker => training.BatchSize / workers;
    public int Rounds => training.Steps;
    public int CheckpointEvery => checkpointEvery;
    public int TrainCount => training.TrainLimit > 0 ? Math.Min(training.TrainLimit, train.Count) : train.Count;
    public int TestCount => training.TestLimit > 0 ? Math.Min(training.TestLimit, test.Count) : test.Count;

    public static VariationalAutoencoder BuildModel(VaeModelOptions model, long seed) =>
        Seeding.Build(seed, () => new VariationalAutoencoder(PixelCount, model.HiddenSize, model.LatentSize, model.Architecture));

    public static Tensor Flat(ImageDataset images, int[] indices) => images.Batch(indices, flatten: true);

    public nn.Module CreateReplica() => BuildModel(model, seed);

    public IShardOrder CreateShardOrder(int shard) => new EpochShardOrder(TrainCount, shard, workers, RowsPerWorker, seed);

    public IReadOnlyDictionary<string, double> ComputeGradients(nn.Module replica, long round, int rowOffset, int[] rows)
    {
        var vae = (VariationalAutoencoder)replica;
        using var scope = NewDisposeScope();
        vae.zero_grad();
        var device = vae.parameters().First().device;
        var x = Flat(train, rows).to(device);
        // The round's noise for the whole global batch; these rows take their own slice of it.
        var eps = VaeSteps.Noise(seed, round, training.BatchSize, model.LatentSize).narrow(0, rowOffset, rows.Length).to(device);
        var (loss, reconstruction, kl) = VaeSteps.Gradients(vae, x, eps);
        return new Dictionary<string, double> { ["train_neg_elbo"] = loss, ["reconstruction"] = reconstruction, ["kl"] = kl };
    }

    public IDataParallelLearner CreateLearner(nn.Module model_, RunContext context) =>
        new VaeLearner((VariationalAutoencoder)model_, model, training, context, dataName, test, TestCount, name, report);
}
