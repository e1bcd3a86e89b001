using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using Orleans.Concurrency;

namespace DistGen.Grains.Hosting;

/// <summary>This silo, reachable from any silo by the silo's address (<see cref="KeyedSiloPlacement"/>).</summary>
[KeyedSiloPlacement, Reentrant]
public sealed class SiloGrain(TensorStore store, JobWorkloads workloads, DataPlaneEndpoint dataPlane) : Grain, ISiloGrain
{
    public Task<int> ReleaseJob(string jobId)
    {
        workloads.Release(jobId);
        return Task.FromResult(store.ReleaseJob(jobId));
    }

    public Task<TensorStoreUsage> GetStoreUsage() => Task.FromResult(store.Usage());

    public Task<SiloResources> GetResources() =>
        Task.FromResult(new SiloResources(Environment.WorkingSet, NativeHeap.InUseBytes(), GC.GetTotalMemory(forceFullCollection: false),
            TorchSharp.torch.Tensor.TotalCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, store.BudgetBytes));

    public Task<string> GetDataPlaneEndpoint() => Task.FromResult(dataPlane.Address);

    /// <summary>The grain of <paramref name="silo"/>.</summary>
    public static ISiloGrain On(IGrainFactory grains, SiloAddress silo) => grains.GetGrain<ISiloGrain>(silo.ToParsableString());
}
