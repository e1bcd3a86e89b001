using DistGen.Training.Data;
using DistGen.Training.Specs;
using DistGen.Training.Vae;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Vae;

public sealed class DynamicBinarizationTests
{
    private static Tensor GreyTestImages(int count)
    {
        var (_, test) = WorkloadCatalog.ImageSplits(FashionMnist.DatasetName);
        return VaeWorkload.Flat(test, Enumerable.Range(0, count).ToArray());
    }

    [Fact]
    public void Each_image_is_a_fixed_function_of_the_seed_and_its_index_whatever_the_batch()
    {
        var grey = GreyTestImages(40);
        var whole = DynamicBinarization.Sample(grey, firstIndex: 0);
        var tail = DynamicBinarization.Sample(grey.narrow(0, 25, 15), firstIndex: 25);
        var otherSeed = DynamicBinarization.Sample(grey, firstIndex: 0, seed: DynamicBinarization.TestSetSeed + 1);

        Assert.True(whole.allclose(DynamicBinarization.Sample(grey, firstIndex: 0), rtol: 0, atol: 0));
        Assert.True(whole.narrow(0, 25, 15).allclose(tail, rtol: 0, atol: 0));
        Assert.False(whole.allclose(otherSeed, rtol: 0, atol: 0));
    }

    [Fact]
    public void Pixels_are_one_with_probability_their_grey_level()
    {
        var grey = GreyTestImages(1000);
        var binary = DynamicBinarization.Sample(grey, firstIndex: 0);

        Assert.True(binary.eq(0).logical_or(binary.eq(1)).all().item<bool>(), "values other than 0 and 1");
        // Black pixels stay 0 and white ones 1; over 784,000 pixels the share of ones matches the mean grey level.
        Assert.False(binary.masked_select(grey.eq(0)).any().item<bool>());
        Assert.True(binary.masked_select(grey.eq(1)).all().item<bool>());
        Assert.Equal(grey.mean().item<float>(), binary.mean().item<float>(), 2);
        // Mid-grey pixels are split about evenly.
        var middle = binary.masked_select(grey.gt(0.4).logical_and(grey.lt(0.6)));
        Assert.InRange(middle.mean().item<float>(), 0.45, 0.55);
    }
}
