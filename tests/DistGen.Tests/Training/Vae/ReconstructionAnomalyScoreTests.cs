using DistGen.Training.Vae;

namespace DistGen.Tests.Training.Vae;

public sealed class ReconstructionAnomalyScoreTests
{
    [Fact]
    public void Auroc_is_1_for_perfect_separation_0_for_reversed_and_half_for_ties()
    {
        Assert.Equal(1.0, ReconstructionAnomalyScore.AreaUnderRoc([1, 2, 3], [4, 5]));
        Assert.Equal(0.0, ReconstructionAnomalyScore.AreaUnderRoc([4, 5], [1, 2, 3]));
        Assert.Equal(0.5, ReconstructionAnomalyScore.AreaUnderRoc([1, 1], [1, 1]));
        // One anomaly (3) beats 2 of 3 normals (1, 2) and loses to one (4): 2/3.
        Assert.Equal(2.0 / 3, ReconstructionAnomalyScore.AreaUnderRoc([1, 2, 4], [3]), 12);
    }
}
