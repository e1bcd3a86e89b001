using DistGen.Training.Core;
using DistGen.Training.Data;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>28x28 images (Fashion-MNIST, MNIST) as GAN data: seeded epochs, pixels scaled to [-1, 1] to match tanh.</summary>
public sealed class ImageGanData(string name, ImageDataset images, long seed) : IGanData
{
    private readonly EpochSampler _sampler = new(Enumerable.Range(0, images.Count).ToArray(), Seeding.Derive(seed, "gan-real"));

    public string Name => name;
    public bool IsImage => true;
    public IReadOnlyList<string> QualityFigures { get; } = [];

    public Tensor RealBatch(int batchSize)
    {
        using var batch = images.Batch(_sampler.Next(batchSize));
        return batch * 2 - 1;
    }

    // No cheap, trustworthy image-quality figure without a pretrained classifier; samples.png is the judge.
    public IReadOnlyDictionary<string, double> Evaluate(Func<int, Tensor> generate) => new Dictionary<string, double>();

    public void SaveSamples(string path, Tensor fakes) => ImageGrid.Save(path, fakes, columns: 8, low: -1, high: 1);
}
