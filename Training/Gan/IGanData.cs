using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>What a GAN trainer needs from a data set: real rows, a way to judge fakes, and a way to draw them.</summary>
public interface IGanData
{
    string Name { get; }
    /// <summary>True for 28x28 images (conv networks), false for points in the plane (MLP networks).</summary>
    bool IsImage { get; }
    /// <summary>The shape of one sample: [2] or [1, 28, 28].</summary>
    long[] SampleShape { get; }
    /// <summary>
    /// Rows [offset, offset + count) of the real global batch of <paramref name="globalBatch"/> rows that the run's
    /// discriminator step number <paramref name="draw"/> (0-based, <see cref="GanBatch.RealDraw"/>) sees, float32 on the
    /// CPU, images in [-1, 1]. A pure function of its arguments and the data set's seed, so workers cut disjoint parts of
    /// one batch and a repeated step sees the same rows.
    /// </summary>
    Tensor RealRows(long draw, int globalBatch, int offset, int count);
    /// <summary>Names of the figures <see cref="Evaluate"/> returns (metrics.csv columns).</summary>
    IReadOnlyList<string> QualityFigures { get; }
    /// <summary>Quality figures of a generator, e.g. modes covered; empty where no figure is defined.</summary>
    IReadOnlyDictionary<string, double> Evaluate(Func<int, Tensor> generate);
    /// <summary>Writes samples.png: fakes over the true modes, or an image grid.</summary>
    void SaveSamples(string path, Tensor fakes);
}
