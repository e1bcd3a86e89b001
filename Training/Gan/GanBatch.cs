using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>
/// Where a GAN round's random rows come from. Round r has substeps 0..k-1 (discriminator steps) and k (the generator
/// step); each substep's global batch of B rows is a pure function of (seed, round, substep), so a worker that owns rows
/// [offset, offset + b) cuts them out of the same batch the single process draws: W workers together draw exactly the
/// reference's batch, and a repeated substep draws it again.
/// </summary>
public static class GanBatch
{
    /// <summary>The latent noise z ~ N(0, I) of one substep's global batch, [B, latent], cut to rows [offset, offset + rows).</summary>
    public static Tensor Latent(long seed, long round, int substep, int globalBatch, int latentSize, int offset, int rows)
    {
        CheckRows(globalBatch, offset, rows);
        using var generator = Seeding.NewGenerator(seed, $"gan-latent:{round}:{substep}");
        using var all = randn(new long[] { globalBatch, latentSize }, generator: generator);
        return all.narrow(0, offset, rows).clone();
    }

    /// <summary>The run's 0-based number of discriminator substep <paramref name="substep"/> of round <paramref name="round"/>: which real batch it sees.</summary>
    public static long RealDraw(long round, int substep, int discriminatorSteps) => (round - 1) * discriminatorSteps + substep;

    /// <summary>The noise of the evaluation after round <paramref name="round"/>: the same in every run and after a resume.</summary>
    public static Generator EvaluationRandom(long seed, long round) => Seeding.NewGenerator(seed, $"gan-evaluation:{round}");

    public static void CheckRows(int globalBatch, int offset, int rows)
    {
        if (offset < 0 || rows < 1 || offset + rows > globalBatch)
            throw new ArgumentOutOfRangeException(nameof(rows), $"rows [{offset}, {offset + rows}) are not inside the global batch of {globalBatch}");
    }
}
