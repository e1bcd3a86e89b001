using DistGen.Contracts.Jobs;
using DistGen.Grains.Placement;
using Orleans.Concurrency;

namespace DistGen.Grains.DataPlane;

/// <summary>This silo's tensor store, reachable from any silo by the silo's address (<see cref="KeyedSiloPlacement"/>).</summary>
[KeyedSiloPlacement, Reentrant]
public sealed class SiloTensorStoreGrain(TensorStore store) : Grain, ISiloTensorStoreGrain
{
    public Task<int> ReleaseJob(string jobId) => Task.FromResult(store.ReleaseJob(jobId));

    public Task<TensorStoreUsage> GetUsage() => Task.FromResult(store.Usage());

    /// <summary>The grain of the store of <paramref name="silo"/>.</summary>
    public static ISiloTensorStoreGrain On(IGrainFactory grains, SiloAddress silo) => grains.GetGrain<ISiloTensorStoreGrain>(silo.ToParsableString());
}
