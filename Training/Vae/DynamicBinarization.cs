using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.Vae;

/// <summary>
/// Binary images drawn from grey-level ones: pixel i of image n is 1 with probability equal to its grey level
/// (Salakhutdinov and Murray 2008's "dynamically binarized" MNIST). Each image's draw depends only on its index in the
/// data set and the seed, so a test set binarized once is the same in every process, whatever the batching.
/// </summary>
public static class DynamicBinarization
{
    /// <summary>The seed of the binarized test set that likelihood figures are measured on: the same images for every run.</summary>
    public const long TestSetSeed = 2008;

    /// <summary>The named seed stream of image <paramref name="index"/>.</summary>
    public static string StreamOf(int index) => $"binarized-test:{index}";

    // x_ni = 1[u_ni < g_ni],  u_ni ~ U(0, 1) from the stream of image n, so P(x_ni = 1) = g_ni
    /// <summary>
    /// Binarizes the rows of <paramref name="greyLevels"/> (values in [0, 1]), row r being image
    /// <paramref name="firstIndex"/> + r of its data set; returns 0/1 values of the same shape and type.
    /// </summary>
    public static Tensor Sample(Tensor greyLevels, int firstIndex, long seed = TestSetSeed)
    {
        using var scope = NewDisposeScope();
        var rows = new Tensor[greyLevels.shape[0]];
        for (int r = 0; r < rows.Length; r++)
        {
            using var generator = Seeding.NewGenerator(seed, StreamOf(firstIndex + r));
            rows[r] = rand(new[] { greyLevels.shape[1] }, greyLevels.dtype, generator: generator);
        }
        var uniforms = stack(rows).to(greyLevels.device);
        return uniforms.lt(greyLevels).to(greyLevels.dtype).MoveToOuterDisposeScope();
    }
}
