using DistGen.Training.Data;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Data;

public sealed class ImageDatasetTests
{
    // Image k has every pixel equal to k / 10, label k.
    private static ImageDataset Tiny(int count = 5) =>
        new(Enumerable.Range(0, count).SelectMany(k => Enumerable.Repeat(k / 10f, 784)).ToArray(),
            Enumerable.Range(0, count).Select(k => (byte)k).ToArray());

    [Fact]
    public void Batch_is_float32_B_1_28_28_in_index_order()
    {
        using var batch = Tiny().Batch([3, 0, 3]);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, batch.shape);
        Assert.Equal(ScalarType.Float32, batch.dtype);
        Assert.Equal(0.3f, batch[0, 0, 27, 27].item<float>());
        Assert.Equal(0f, batch[1, 0, 5, 5].item<float>());
        Assert.Equal(0.3f * 784, batch[2].sum().item<float>(), 2);
    }

    [Fact]
    public void Flattened_batch_is_B_784()
    {
        using var batch = Tiny().Batch([1, 2], flatten: true);
        Assert.Equal(new long[] { 2, 784 }, batch.shape);
        Assert.Equal(0.2f, batch[1, 783].item<float>());
    }

    [Fact]
    public void Label_batch_is_int64_labels_in_index_order()
    {
        using var labels = Tiny().LabelBatch([4, 1]);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(new long[] { 4, 1 }, labels.data<long>().ToArray());
    }

    [Fact]
    public void Subset_copies_the_chosen_images_and_labels()
    {
        var subset = Tiny().Subset([4, 2]);
        Assert.Equal(2, subset.Count);
        Assert.Equal([4, 2], subset.Labels);
        Assert.Equal(0.2f, subset.Image(1)[100]);
    }

    [Fact]
    public void Index_outside_the_set_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tiny().Batch([5]));
    }

    [Fact]
    public void Pixels_that_are_not_whole_images_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new ImageDataset(new float[783], [0]));
    }
}
