using DistGen.Training.Core;
using DistGen.Training.Data;

namespace DistGen.Training.Anomaly;

/// <summary>
/// The one-class protocol's data: the detector trains on the normal classes' training images (less a seeded held-out
/// share that sets the threshold) and is measured on the test set, normal test images against every other class.
/// </summary>
public sealed record OneClassSplit(ImageDataset Train, ImageDataset HeldOutNormal, ImageDataset Test, bool[] TestAnomalous)
{
    /// <summary>The normal images of the test set (what the VAE's own test figure is measured on).</summary>
    public ImageDataset NormalTest => Test.Subset(Enumerable.Range(0, Test.Count).Where(i => !TestAnomalous[i]).ToArray());

    /// <summary>
    /// Splits <paramref name="train"/> and the first <paramref name="testLimit"/> images of <paramref name="test"/> (0: all)
    /// for <paramref name="normalClasses"/>; the held-out share is drawn with <paramref name="seed"/>.
    /// </summary>
    public static OneClassSplit Of(ImageDataset train, ImageDataset test, IReadOnlyCollection<int> normalClasses, double heldOutShare, int testLimit, long seed)
    {
        var normal = normalClasses.Select(c => (byte)c).ToHashSet();
        var normalTrain = Enumerable.Range(0, train.Count).Where(i => normal.Contains(train.Labels[i])).ToArray();
        if (normalTrain.Length < 2) throw new ArgumentException($"the training set holds {normalTrain.Length} images of classes [{string.Join(", ", normalClasses)}]");
        // Fisher-Yates with the run's seed: the same images are held out in every run of the spec.
        var rng = new SplitMix64(Seeding.Derive(seed, "anomaly-held-out-normal"));
        for (int i = normalTrain.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (normalTrain[i], normalTrain[j]) = (normalTrain[j], normalTrain[i]);
        }
        int heldOut = Math.Clamp((int)Math.Round(heldOutShare * normalTrain.Length), 1, normalTrain.Length - 1);
        var held = normalTrain[..heldOut].Order().ToArray();
        var kept = normalTrain[heldOut..].Order().ToArray();
        int testCount = testLimit > 0 ? Math.Min(testLimit, test.Count) : test.Count;
        var testSet = test.Subset(Enumerable.Range(0, testCount).ToArray());
        var anomalous = testSet.Labels.Select(label => !normal.Contains(label)).ToArray();
        if (anomalous.All(a => a) || anomalous.All(a => !a))
            throw new ArgumentException($"the first {testCount} test images hold {(anomalous.All(a => a) ? "no normal" : "no anomalous")} image: raise testLimit");
        return new OneClassSplit(train.Subset(kept), train.Subset(held), testSet, anomalous);
    }
}
