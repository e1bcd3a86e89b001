using DistGen.Contracts.Jobs;

namespace DistGen.Contracts.Gan;

/// <summary>
/// Discriminator worker i of a split-GAN job. Key: "{jobId}/{i + 1}" (one past its generator worker's index, so with
/// several silos the pair lives on different silos and the fakes cross the data plane). Holds a replica of D.
/// </summary>
public interface IDiscriminatorWorkerGrain : IJobMemberGrain
{
    /// <summary>
    /// Pulls generator worker i's fakes from its silo <paramref name="fakesSilo"/>, takes its real rows of the substep,
    /// computes D's gradients (with R1) and pushes them to the coordinator; returns L_D of its rows.
    /// </summary>
    Task<GanSubstepResult> DiscriminatorGradients(GanSubstep step, SiloAddress fakesSilo);

    /// <summary>
    /// The discriminator's half of the generator step: pulls the fakes from <paramref name="fakesSilo"/>, pushes
    /// dL_G/dFake back to it; returns L_G of its rows.
    /// </summary>
    Task<GanSubstepResult> FakeGradients(GanSubstep step, SiloAddress fakesSilo);
}
