using DistGen.Contracts.Gan;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;

namespace DistGen.Grains.Gan;

/// <summary>The grains and data-plane keys of a split-GAN job.</summary>
public static class GanMembers
{
    public static IGeneratorWorkerGrain Generator(IGrainFactory grains, string jobId, int worker) =>
        grains.GetGrain<IGeneratorWorkerGrain>(JobIds.Member(jobId, worker));

    // The generator's index: placement spreads members by index, so a pair shares a silo and its fakes and dL_G/dFake,
    // exchanged several times a round, stay in that silo's memory; pairs spread over the silos.
    public static IDiscriminatorWorkerGrain Discriminator(IGrainFactory grains, string jobId, int worker) =>
        grains.GetGrain<IDiscriminatorWorkerGrain>(JobIds.Member(jobId, worker));

    /// <summary>G's parameters for round r (after r - 1 generator steps), on the coordinator's silo.</summary>
    public static TensorKey GeneratorParameters(string job, long round) => new(job, "gan-generator", round, "");

    /// <summary>
    /// D's parameters for substep s of round r (substep k: the ones the generator step scores with), for a job of k
    /// substeps. The generator step leaves D as it is, so substep 0 of round r &gt; 1 is the tensor of substep k of round
    /// r - 1 and has its key: a discriminator worker that scored the last generator step holds it already and pulls nothing.
    /// </summary>
    public static TensorKey DiscriminatorParameters(string job, long round, int substep, int substeps) =>
        substep == 0 && round > 1
            ? new(job, "gan-discriminator", round - 1, $"{substeps}")
            : new(job, "gan-discriminator", round, $"{substep}");

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
