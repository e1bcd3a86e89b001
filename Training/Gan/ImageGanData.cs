using DistGen.Training.Core;
using DistGen.Training.Data;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>
/// 28x28 images (Fashion-MNIST, MNIST) as GAN data, pixels scaled to [-1, 1] to match tanh. The images are read in a
/// seeded order per epoch, one batch after another: row j of draw t is item number p = t·B + j of that endless stream,
/// i.e. position p mod N of epoch p / N's permutation, a pure function of (seed, t, j).
/// </summary>
public sealed class ImageGanData(string name, ImageDataset images, long seed) : IGanData
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, int[]> _epochs = [];

    public string Name => name;
    public bool IsImage => true;
    public long[] SampleShape => [1, 28, 28];
    public IReadOnlyList<string> QualityFigures { get; } = [];

    public Tensor RealRows(long draw, int globalBatch, int offset, int count)
    {
        GanBatch.CheckRows(globalBatch, offset, count);
        var indices = new int[count];
        for (int j = 0; j < count; j++)
        {
            long position = draw * globalBatch + offset + j;
            indices[j] = Epoch(position / images.Count)[position % images.Count];
        }
        using var batch = images.Batch(indices);
        // Pixels in [0, 1] to the generator's tanh range [-1, 1].
        using var doubled = batch.mul(Scalars.Constant(2L));
        return doubled.sub(Scalars.Constant(1L));
    }

    // No cheap, trustworthy image-quality figure without a pretrained classifier; samples.png is the judge.
    public IReadOnlyDictionary<string, double> Evaluate(Func<int, Tensor> generate) => new Dictionary<string, double>();

    public void SaveSamples(string path, Tensor fakes) => ImageGrid.Save(path, fakes, columns: 8, low: -1, high: 1);

    // The permutation of one epoch; the workers of a process share this object, so it is guarded and keeps only recent epochs.
    private int[] Epoch(long epoch)
    {
        lock (_lock)
        {
            if (_epochs.TryGetValue(epoch, out var order)) return order;
            order = Enumerable.Range(0, images.Count).ToArray();
            new SplitMix64(Seeding.Derive(seed, $"gan-real-epoch:{epoch}")).Shuffle(order);
            foreach (var old in _epochs.Keys.Where(e => e < epoch - 1).ToList()) _epochs.Remove(old);
            _epochs[epoch] = order;
            return order;
        }
    }
}
