using DistGen.Contracts.Jobs;

namespace DistGen.Contracts.Gan;

/// <summary>
/// Generator worker i of a split-GAN job. Key: "{jobId}/{i}". It holds a replica of G, makes the fakes of its rows and,
/// in the generator step, backpropagates the dL_G/dFake its discriminator worker returns; tensors go over the data plane.
/// </summary>
public interface IGeneratorWorkerGrain : IJobMemberGrain
{
    /// <summary>
    /// A discriminator substep: makes its rows' fakes with G of the round (no graph) and has discriminator worker i
    /// push D's gradients on them, and on its real rows, to the coordinator.
    /// </summary>
    Task<GanSubstepResult> DiscriminatorSubstep(GanSubstep step);

    /// <summary>
    /// The generator step: makes its rows' fakes with their graph, has discriminator worker i return dL_G/dFake,
    /// backpropagates it through G and pushes G's gradients to the coordinator.
    /// </summary>
    Task<GanSubstepResult> GeneratorSubstep(GanSubstep step);
}

/// <summary>One substep of a round: substeps 0..k-1 train D, substep k trains G; the coordinator's silo.</summary>
[GenerateSerializer, Immutable]
public sealed record GanSubstep(
    [property: Id(0)] long Round,
    [property: Id(1)] int Substep,
    [property: Id(2)] SiloAddress CoordinatorSilo);

/// <summary>What a worker pair reports for a substep (the loss of its rows); its tensors went over the data plane.</summary>
[GenerateSerializer, Immutable]
public sealed record GanSubstepResult(
    [property: Id(0)] double Loss,
    [property: Id(1)] string GeneratorSilo,
    [property: Id(2)] string DiscriminatorSilo);
