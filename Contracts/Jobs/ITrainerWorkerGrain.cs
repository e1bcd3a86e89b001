namespace DistGen.Contracts.Jobs;

/// <summary>
/// One data-parallel worker of a job (VAE, char-LM). Key: "{jobId}/{workerIndex}". Per round it pulls the parameters
/// of the round's version over the data plane and computes the gradient of its rows. A worker alone in its gradient
/// group pushes the gradient to the coordinator's silo; otherwise it keeps it on its own silo, and the group's lead
/// sums the group there and pushes one tensor (docs/architecture.md, "Gradient groups").
/// </summary>
public interface ITrainerWorkerGrain : IJobMemberGrain
{
    Task<WorkerStepResult> Step(WorkerStep step);

    /// <summary>As the lead of a gradient group: sums the group's gradients of a round and pushes the sum to the coordinator's silo.</summary>
    Task SumGroup(GroupSum order);
}

/// <summary>
/// The coordinator's order for one round: which parameter version, the silo where parameters and gradients live
/// (a worker finds that silo's data plane through cluster membership, never from an address it is given), and the job's
/// number of gradient groups (0: every worker its own group).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record WorkerStep(
    [property: Id(0)] long Round,
    [property: Id(1)] long ParameterVersion,
    [property: Id(2)] SiloAddress CoordinatorSilo,
    [property: Id(3)] int GradientGroups = 0);

/// <summary>What a worker reports for a round; its gradient went over the data plane or waits on its silo (<see cref="Host"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerStepResult(
    [property: Id(0)] IReadOnlyDictionary<string, double> Metrics,
    [property: Id(1)] string Silo,
    [property: Id(2)] double ComputeSeconds,
    [property: Id(3)] SiloAddress? Host = null);

/// <summary>
/// The coordinator's order to a gradient group's lead: the round, the coordinator's silo, the group of the job's
/// <see cref="Groups"/>, and every member with the silo that holds its gradient, in index order.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GroupSum(
    [property: Id(0)] long Round,
    [property: Id(1)] SiloAddress CoordinatorSilo,
    [property: Id(2)] int Group,
    [property: Id(3)] int Groups,
    [property: Id(4)] IReadOnlyList<GroupMember> Members);

/// <summary>A member of a gradient group and the silo its gradient of the round waits on.</summary>
[GenerateSerializer, Immutable]
public sealed record GroupMember(
    [property: Id(0)] int Index,
    [property: Id(1)] SiloAddress Silo);
