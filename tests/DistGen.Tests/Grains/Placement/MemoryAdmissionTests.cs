using DistGen.Contracts.Jobs;
using DistGen.Grains.Placement;
using DistGen.Tests.Grains.Jobs;

namespace DistGen.Tests.Grains.Placement;

/// <summary>A job too large for the cluster is refused at submit, naming what to change, and nothing starts.</summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class MemoryAdmissionTests(TwoSiloCluster fixture)
{
    private const long GiB = 1L << 30;

    private static SiloResources Silo(long memory, long store) => new(0, 0, 0, 0, memory, store);

    [Fact]
    public void The_estimate_counts_the_coordinator_its_store_and_every_worker()
    {
        var estimate = new MemoryEstimate(Parameters: 1_000_000, Workers: 3);
        Assert.Equal(4_000_000, estimate.ParameterBytes);
        Assert.Equal(16_000_000, estimate.CoordinatorBytes);
        Assert.Equal(16_000_000, estimate.CoordinatorStoreBytes);
        Assert.Equal(16_000_000 + 16_000_000 + 3 * 8_000_000, estimate.TotalBytes);
        Assert.Null(estimate.RefusalAgainst([Silo(GiB, GiB)]));
        Assert.Throws<OverflowException>(() => new MemoryEstimate(long.MaxValue / 2, 1).TotalBytes);
    }

    [Fact]
    public void Each_limit_is_named_with_the_field_to_change()
    {
        // A model that needs more than any silo even with one worker: the model is the problem.
        var tooBig = new MemoryEstimate(Parameters: 200_000_000, Workers: 1).RefusalAgainst([Silo(2 * GiB, 8 * GiB), Silo(2 * GiB, 8 * GiB)]);
        Assert.StartsWith("$.model:", tooBig);
        Assert.Contains("200,000,000 parameters", tooBig);
        // 10 workers' gradients overflow the store (11 × 40 MB > 256 MiB), one would not.
        var store = new MemoryEstimate(Parameters: 10_000_000, Workers: 10).RefusalAgainst([Silo(64 * GiB, 256L << 20)]);
        Assert.StartsWith("$.cluster.workers:", store);
        Assert.Contains("DataPlane:MaxStoreBytes", store);
        // Fits on the coordinator's silo, but not with every worker's copy in the cluster.
        var total = new MemoryEstimate(Parameters: 50_000_000, Workers: 64).RefusalAgainst([Silo(14 * GiB, 14 * GiB), Silo(14 * GiB, 14 * GiB)]);
        Assert.StartsWith("$.cluster.workers:", total);
        Assert.Contains("use fewer workers or add silos", total);
    }

    [Fact]
    public async Task A_char_lm_of_a_hundred_billion_parameters_is_refused_at_submit_and_nothing_starts()
    {
        var registry = fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        var before = (await registry.List()).Count;

        var result = await registry.Submit("""
            { "apiVersion": "distgen/v1", "name": "too-big", "workload": "char-lm", "data": { "name": "kjv" },
              "model": { "modelDimension": 8192, "layers": 128, "heads": 64 }, "training": { "batchSize": 256 },
              "cluster": { "workers": 256 } }
            """);

        Assert.False(result.Accepted);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("$.model:", error);
        Assert.Contains("make the model smaller", error);
        Assert.Equal(before, (await registry.List()).Count);
    }

    [Fact]
    public async Task A_vae_whose_gradients_overflow_the_coordinators_store_is_refused_naming_the_workers()
    {
        var registry = fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        var resources = await fixture.SiloSide.GetGrain<ISiloGrain>(fixture.Cluster.Silos[0].SiloAddress.ToParsableString()).GetResources();
        Assert.True(resources.MemoryLimitBytes > 0 && resources.StoreBudgetBytes > 0, resources.ToString());

        // 13 million parameters (hidden 8192): 52 MB per copy, so 256 workers' gradients need 13 GiB of store.
        var result = await registry.Submit("""
            { "apiVersion": "distgen/v1", "name": "wide", "workload": "vae", "data": { "name": "fashion-mnist" },
              "model": { "hiddenSize": 8192 }, "training": { "batchSize": 256 },
              "cluster": { "workers": 256 } }
            """);

        Assert.False(result.Accepted);
        Assert.StartsWith("$.cluster.workers:", Assert.Single(result.Errors));
    }
}
