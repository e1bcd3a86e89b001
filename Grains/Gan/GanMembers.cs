using DistGen.Contracts.Gan;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;

namespace DistGen.Grains.Gan;

/// <summary>The grains and data-plane keys of a split-GAN job.</summary>
public static class GanMembers
{
    public static IGeneratorWorkerGrain Generator(IGrainFactory grains, string jobId, int worker) =>
        grains.GetGrain<IGeneratorWorkerGrain>(JobIds.Member(jobId, worker));

    // One past the generator's index: placement spreads members by index, so pair i sits on two silos when there are two.
    public static IDiscriminatorWorkerGrain Discriminator(IGrainFactory grains, string jobId, int worker) =>
        grains.GetGrain<IDiscriminatorWorkerGrain>(JobIds.Member(jobId, worker + 1));

    /// <summary>The worker index of a discriminator worker's key.</summary>
    public static (string JobId, int Worker) ParseDiscriminator(string key)
    {
        var (jobId, index) = JobIds.Parse(key);
        return (jobId, index - 1);
    }

    /// <summary>G's parameters for round r (after r - 1 generator steps), on the coordinator's silo.</summary>
    public static TensorKey GeneratorParameters(string job, long round) => new(job, "gan-generator", round, "");

    /// <summary>D's parameters for substep s of round r (substep k: the ones the generator step scores with).</summary>
    public static TensorKey DiscriminatorParameters(string job, long round, int substep) => new(job, "gan-discriminator", round, $"{substep}");

    /// <summary>Generator worker i's fakes of a substep, in its own silo's store until its discriminator worker has used them.</summary>
    public static TensorKey Fakes(string job, long round, int substep, int worker) => new(job, "gan-fakes", round, $"{substep}/{worker}");

    /// <summary>D's gradients from discriminator worker i for a substep, pushed to the coordinator.</summary>
    public static TensorKey DiscriminatorGradients(string job, long round, int substep, int worker) =>
        new(job, "gan-discriminator-gradients", round, $"{substep}/{worker}");

    /// <summary>dL_G/dFake for generator worker i's fakes, pushed to its silo by discriminator worker i.</summary>
    public static TensorKey FakeGradients(string job, long round, int worker) => new(job, "gan-fake-gradients", round, $"{worker}");

    /// <summary>G's gradients from generator worker i, pushed to the coordinator.</summary>
    public static TensorKey GeneratorGradients(string job, long round, int worker) => new(job, "gan-generator-gradients", round, $"{worker}");
}
