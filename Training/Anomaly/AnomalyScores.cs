using DistGen.Training.Data;
using DistGen.Training.Vae;
using static TorchSharp.torch;

namespace DistGen.Training.Anomaly;

/// <summary>
/// A trained VAE's anomaly scores of images, higher meaning more anomalous, each in nats per image:
/// <list type="bullet">
/// <item><c>reconstruction</c>: the Bernoulli cross-entropy of the reconstruction at the posterior mean;</item>
/// <item><c>neg_elbo</c>: the negative ELBO, averaged over k samples of q(z|x);</item>
/// <item><c>iw_nll</c>: the importance-weighted estimate of -log p(x) with the same k samples.</item>
/// </list>
/// Grey-level pixels are the targets, as in training; image n's samples come from its own seeded stream.
/// </summary>
public static class AnomalyScores
{
    public const string Reconstruction = "reconstruction";
    public const string NegativeElbo = "neg_elbo";
    public const string ImportanceWeighted = "iw_nll";

    private const int BatchImages = 500;

    /// <summary>
    /// Every score of every image of <paramref name="images"/>; <paramref name="firstStream"/> numbers image 0's noise
    /// stream (different sets of images use different ranges, so no two images share their samples).
    /// </summary>
    public static IReadOnlyDictionary<string, double[]> Of(VariationalAutoencoder vae, ImageDataset images, int samples, long seed, int firstStream)
    {
        var reconstruction = new double[images.Count];
        var negElbo = new double[images.Count];
        var iwNll = new double[images.Count];
        var device = vae.parameters().First().device;
        for (int start = 0; start < images.Count; start += BatchImages)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(BatchImages, images.Count - start);
            var x = images.Batch(Enumerable.Range(start, count).ToArray(), flatten: true).to(device);
            ReconstructionAnomalyScore.Score(vae, x).to(ScalarType.Float64).cpu().data<double>().ToArray().CopyTo(reconstruction, start);
            var (nll, elbo) = ImportanceWeightedNll.PerImage(vae, x, samples, seed, firstStream + start);
            nll.CopyTo(iwNll, start);
            elbo.CopyTo(negElbo, start);
        }
        return new Dictionary<string, double[]> { [Reconstruction] = reconstruction, [NegativeElbo] = negElbo, [ImportanceWeighted] = iwNll };
    }
}
