using DistGen.Grains.Runs;
using DistGen.Training.Specs;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace DistGen.Grains.Placement;

/// <summary>
/// Places a job's workers ("{jobId}/{index}"): a worker whose job asks for accelerators goes to a silo with enough free
/// ones (the ledger reserves them); any other worker is spread like <see cref="SpreadByIndexPlacement"/>.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class AcceleratorAwarePlacement : PlacementStrategy
{
    public static readonly AcceleratorAwarePlacement Singleton = new();
}

/// <summary>Marks a job member grain class for <see cref="AcceleratorAwarePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AcceleratorAwarePlacementAttribute() : PlacementAttribute(AcceleratorAwarePlacement.Singleton);

/// <summary>Reads the job's spec from its coordinator and, for a GPU job, reserves the worker's accelerators in the ledger.</summary>
public sealed class AcceleratorAwarePlacementDirector(IGrainFactory grains) : IPlacementDirector
{
    private readonly SpreadByIndexPlacementDirector _spread = new();

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var member = target.GrainIdentity.Key.ToString() ?? "";
        var (jobId, _) = JobIds.Parse(member);
        // The coordinator is reentrant, so it answers while it waits for this very worker's step.
        var spec = await grains.GetGrain<IJobCoordinatorGrain>(jobId).GetSpec();
        // Anyone may name a worker of a job that does not exist; the caller gets an error Orleans can carry.
        if (string.IsNullOrEmpty(spec)) throw new OrleansException($"worker {member}: job {jobId} is not known to the cluster");
        int perWorker;
        try
        {
            perWorker = WorkerAccelerators.PerWorker(JobWorkloads.ValidateForCluster(spec).Spec.Cluster);
        }
        catch (SpecException e)
        {
            throw new OrleansException($"worker {member}: the spec of job {jobId} is not valid: {e.Message}");
        }
        if (perWorker == 0) return await _spread.OnAddActivation(strategy, target, context);

        var silos = context.GetCompatibleSilos(target);
        var ledger = grains.GetGrain<IAcceleratorLedgerGrain>(IAcceleratorLedgerGrain.Key);
        return await ledger.Reserve(target.GrainIdentity.ToString(), perWorker, silos)
               ?? throw new OrleansException(
                   $"worker {member} needs {perWorker} free accelerator(s) on one silo and no silo has them " +
                   $"({Describe(await ledger.Silos())}); wait for other GPU jobs to finish, or add GPU silos");
    }

    /// <summary>"silo: free/count" for each silo with accelerators, or "none advertised".</summary>
    public static string Describe(IReadOnlyList<SiloAcceleratorUse> silos) =>
        silos.Count == 0 ? "no silo advertises accelerators" : string.Join(", ", silos.Select(s => $"{s.Silo}: {s.Free} of {s.Count} free"));
}
