using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>What a GAN trainer needs from a data set: real minibatches, a way to judge fakes, and a way to draw them.</summary>
public interface IGanData
{
    string Name { get; }
    /// <summary>True for 28x28 images (conv networks), false for points in the plane (MLP networks).</summary>
    bool IsImage { get; }
    /// <summary>A minibatch of real samples, float32 on the CPU: [B, 2] or [B, 1, 28, 28] in [-1, 1].</summary>
    Tensor RealBatch(int batchSize);
    /// <summary>Names of the figures <see cref="Evaluate"/> returns (metrics.csv columns).</summary>
    IReadOnlyList<string> QualityFigures { get; }
    /// <summary>Quality figures of a generator, e.g. modes covered; empty where no figure is defined.</summary>
    IReadOnlyDictionary<string, double> Evaluate(Func<int, Tensor> generate);
    /// <summary>Writes samples.png: fakes over the true modes, or an image grid.</summary>
    void SaveSamples(string path, Tensor fakes);
}
