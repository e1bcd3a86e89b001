using DistGen.Training.Anomaly;
using DistGen.Training.Data;

namespace DistGen.Tests.Training.Anomaly;

public sealed class OneClassSplitTests
{
    // Image i has label i % 3 and every pixel i / 1000, so an image can be recognised after a split.
    private static ImageDataset Images(int count) => new(
        Enumerable.Range(0, count).SelectMany(i => Enumerable.Repeat(i / 1000f, ImageDataset.PixelsPerImage)).ToArray(),
        Enumerable.Range(0, count).Select(i => (byte)(i % 3)).ToArray());

    private static int Id(ImageDataset images, int index) => (int)Math.Round(images.Image(index)[0] * 1000);

    [Fact]
    public void Normal_training_images_are_split_into_trained_and_held_out_without_overlap_and_the_test_set_is_flagged()
    {
        var split = OneClassSplit.Of(Images(300), Images(90), [0, 2], heldOutShare: 0.1, testLimit: 60, seed: 7);

        var trained = Enumerable.Range(0, split.Train.Count).Select(i => Id(split.Train, i)).ToHashSet();
        var held = Enumerable.Range(0, split.HeldOutNormal.Count).Select(i => Id(split.HeldOutNormal, i)).ToHashSet();
        Assert.Equal(20, held.Count);
        Assert.Equal(180, trained.Count);
        Assert.Empty(trained.Intersect(held));
        Assert.All(trained.Concat(held), id => Assert.NotEqual(1, id % 3));
        Assert.Equal(60, split.Test.Count);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => i % 3 == 1), split.TestAnomalous);
        Assert.Equal(40, split.NormalTest.Count);
        // The same seed holds out the same images; another seed others.
        var again = OneClassSplit.Of(Images(300), Images(90), [0, 2], 0.1, 60, seed: 7);
        Assert.Equal(held, Enumerable.Range(0, again.HeldOutNormal.Count).Select(i => Id(again.HeldOutNormal, i)).ToHashSet());
        var other = OneClassSplit.Of(Images(300), Images(90), [0, 2], 0.1, 60, seed: 8);
        Assert.NotEqual(held, Enumerable.Range(0, other.HeldOutNormal.Count).Select(i => Id(other.HeldOutNormal, i)).ToHashSet());
    }

    [Fact]
    public void A_test_set_without_anomalies_is_refused_saying_what_to_raise()
    {
        // The first image of the test set is class 0: with a limit of 1 there is nothing anomalous.
        var refused = Assert.Throws<ArgumentException>(() => OneClassSplit.Of(Images(30), Images(30), [0], 0.1, testLimit: 1, seed: 1));
        Assert.Contains("raise testLimit", refused.Message);
    }
}
