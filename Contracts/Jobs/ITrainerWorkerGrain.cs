namespace DistGen.Contracts.Jobs;

/// <summary>
/// One data-parallel worker of a job (VAE, char-LM). Key: "{jobId}/{workerIndex}". Per round it pulls the parameters
/// of the round's version over the data plane, computes the gradient of its rows and pushes it to the coordinator's silo.
/// </summary>
public interface ITrainerWorkerGrain : IJobMemberGrain
{
    Task<WorkerStepResult> Step(WorkerStep step);
}

/// <summary>
/// The coordinator's order for one round: which parameter version, and the silo where parameters and gradients live
/// (a worker finds that silo's data plane through cluster membership, never from an address it is given).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record WorkerStep(
    [property: Id(0)] long Round,
    [property: Id(1)] long ParameterVersion,
    [property: Id(2)] SiloAddress CoordinatorSilo);

/// <summary>What a worker reports for a round; its gradient went over the data plane.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerStepResult(
    [property: Id(0)] IReadOnlyDictionary<string, double> Metrics,
    [property: Id(1)] string Silo,
    [property: Id(2)] double ComputeSeconds);
